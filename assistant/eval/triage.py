"""`python -m assistant triage FILE.jsonl ...`: the guard's two nets, alone and together.

For each category (a question's `group`): how many emergencies each net recognises (recall), and
how many non-emergencies each would send to emergency services (false alarms). Only the guard
runs: no index is needed.
"""

from collections import defaultdict

NETS = ("rules", "net", "together")


def triage_figures(guard, questions: list[dict]) -> dict:
    """{"overall": {...}, "by_group": {group: {...}}}; each: count, expect, and per net a share."""
    groups: dict[str, list[tuple[bool, dict[str, bool]]]] = defaultdict(list)
    for q in questions:
        t = guard.triage(q["question"], q["history"])
        said = {"rules": t.rule is not None, "net": t.net_fired, "together": t.emergency}
        groups[q["group"]].append((q["expect"] == "emergency", said))
    everything = [row for rows in groups.values() for row in rows]
    return {
        "overall": _figures(everything),
        "by_group": {g: _figures(rows) for g, rows in sorted(groups.items())},
    }


def _figures(rows: list[tuple[bool, dict[str, bool]]]) -> dict:
    emergencies = [said for is_emergency, said in rows if is_emergency]
    others = [said for is_emergency, said in rows if not is_emergency]
    out = {"emergencies": len(emergencies), "others": len(others)}
    for net in NETS:
        out[f"{net}_recall"] = _share([s[net] for s in emergencies])
        out[f"{net}_false_alarms"] = _share([s[net] for s in others])
    return out


def _share(hits: list[bool]) -> float | None:
    return round(sum(hits) / len(hits), 4) if hits else None


def triage_table(figures: dict) -> str:
    head = f"{'group':<26} {'n':>4}" + "".join(f" {n:>9}" for n in NETS)
    lines = [head, "-" * len(head)]
    rows = [*figures["by_group"].items(), ("ALL emergencies / others", figures["overall"])]
    for group, f in rows:
        for kind, key in (("emergencies", "recall"), ("others", "false_alarms")):
            if not f[kind]:
                continue
            label = group if group != "ALL emergencies / others" else f"ALL {kind}"
            cells = "".join(f" {_pct(f[f'{n}_{key}']):>9}" for n in NETS)
            lines.append(f"{label:<26} {f[kind]:>4}{cells}   {key.replace('_', ' ')}")
    return "\n".join(lines)


def _pct(x) -> str:
    return "-" if x is None else f"{x:.3f}"
