"""Scored items -> OUT.json's figures (DESIGN.md's contract), and two runs compared.

`HEADLINE` is the one list of figure names: the eval's table, the gate's table and the report
all show these.
"""

from collections import Counter
from dataclasses import asdict

import numpy as np

from ..ask.cite import citations_valid
from ..texts import disclaimer_for

# Figures where lower is better (a rise is a regression).
LOWER_IS_BETTER = {
    "behaviour.false_emergency",
    "behaviour.false_decline",
    "behaviour.guard_false_decline",
    "latency_ms.p50",
    "latency_ms.p95",
}
HEADLINE = [
    "retrieval.hit@1",
    "retrieval.hit@3",
    "retrieval.hit@5",
    "retrieval.mrr",
    "behaviour.emergency_recall",
    "behaviour.false_emergency",
    "behaviour.decline_recall",
    "behaviour.false_decline",
    "behaviour.guard_false_decline",
    "answers.disclaimer_rate",
    "answers.citation_validity",
    "answers.must_include_recall",
    "latency_ms.p50",
    "latency_ms.p95",
]


def score_item(q: dict, reply, settings, latency_ms: float) -> dict:
    sources = list(reply.sources)
    gold = q["gold_sources"]
    rank = next((i for i, s in enumerate(sources, start=1) if s in gold), None)
    found = [t for t in q["must_include"] if t.lower() in reply.text.lower()]
    ok = reply.kind == q["expect"] and (not gold or (rank is not None and rank <= 5))
    return {
        # the contract's keys
        "id": q["id"],
        "group": q["group"],
        "expect": q["expect"],
        "kind": reply.kind,
        "reason": reply.reason,
        "sources": sources,
        "rank": rank,
        "ok": ok,
        # extra keys, for the report and for comparing runs
        "set": q["set"],
        "question": q["question"],
        "history": q["history"],
        "gold_sources": gold,
        "expect_reason": q["reason"],
        "text": reply.text,
        "citations": [
            {"n": c.n, "title": c.title, "source": c.source, "url": c.url} for c in reply.citations
        ],
        "disclaimer_ok": reply.disclaimer == disclaimer_for(reply.kind, settings),
        "citations_valid": (
            citations_valid(reply.text, list(reply.citations), set(sources))
            if reply.kind == "answer"
            else None
        ),
        "must_include": q["must_include"],
        "must_include_missing": [t for t in q["must_include"] if t not in found],
        "latency_ms": round(latency_ms, 2),
        "generation": asdict(reply.generation) if reply.generation else None,
    }


def share(hits: list[bool]) -> float | None:
    """The share of True, or None when there is nothing to count."""
    return round(sum(hits) / len(hits), 4) if hits else None


def retrieval_metrics(items: list[dict]) -> dict:
    counted = [i for i in items if i["expect"] == "answer" and i["gold_sources"]]
    ranks = [i["rank"] for i in counted]
    return {
        "hit@1": share([r is not None and r <= 1 for r in ranks]),
        "hit@3": share([r is not None and r <= 3 for r in ranks]),
        "hit@5": share([r is not None and r <= 5 for r in ranks]),
        "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 4) if ranks else None,
    }


def behaviour_metrics(items: list[dict]) -> dict:
    emergency = [i for i in items if i["expect"] == "emergency"]
    decline = [i for i in items if i["expect"] == "decline"]
    answer = [i for i in items if i["expect"] == "answer"]
    not_emergency = [i for i in items if i["expect"] != "emergency"]
    by_reason = Counter(i["reason"] or "unknown" for i in items if i["kind"] == "decline")
    return {
        "emergency_recall": share([i["kind"] == "emergency" for i in emergency]),
        "false_emergency": share([i["kind"] == "emergency" for i in not_emergency]),
        "decline_recall": share([i["kind"] == "decline" for i in decline]),
        "false_decline": share([i["kind"] == "decline" for i in answer]),
        "guard_false_decline": share(
            [i["kind"] == "decline" and i["reason"] != "no_sources" for i in answer]
        ),
        "declines_by_reason": dict(sorted(by_reason.items())),
    }


def answer_metrics(items: list[dict]) -> dict:
    answered = [i for i in items if i["kind"] == "answer"]
    terms = sum(len(i["must_include"]) for i in items)
    missing = sum(len(i["must_include_missing"]) for i in items)
    return {
        "disclaimer_rate": share([i["disclaimer_ok"] for i in items]),
        "citation_validity": share([bool(i["citations_valid"]) for i in answered]),
        "must_include_recall": round((terms - missing) / terms, 4) if terms else None,
    }


def generation_metrics(items: list[dict]) -> dict | None:
    """A generated answerer's figures: sentences kept, fallbacks, time to first shown sentence
    and tokens per second (None for the extractive answerer)."""
    runs = [i["generation"] for i in items if i.get("generation")]
    if not runs:
        return None
    generated = sum(r["generated"] for r in runs)
    shown = [r["first_sentence_s"] for r in runs if r["first_sentence_s"] is not None]
    seconds = sum(r["generation_s"] for r in runs if not r["failed"])
    return {
        "answers": len(runs),
        "sentences_generated": generated,
        "sentences_kept_share": round(sum(r["kept"] for r in runs) / generated, 4)
        if generated
        else None,
        "fallback_rate": share([r["fallback"] for r in runs]),
        "failed": sum(r["failed"] for r in runs),
        "first_sentence_s_p50": round(float(np.percentile(shown, 50)), 2) if shown else None,
        "first_sentence_s_p95": round(float(np.percentile(shown, 95)), 2) if shown else None,
        "tokens_per_s": round(sum(r["tokens"] for r in runs if not r["failed"]) / seconds, 1)
        if seconds
        else None,
    }


def latency_metrics(items: list[dict]) -> dict:
    values = [i["latency_ms"] for i in items]
    if not values:
        return {"p50": None, "p95": None}
    return {
        "p50": round(float(np.percentile(values, 50)), 1),
        "p95": round(float(np.percentile(values, 95)), 1),
    }


def summarise(items: list[dict], articles: list[str]) -> dict:
    """OUT.json's object from scored items; articles: every indexed article's source."""
    by_group = {}
    for group in dict.fromkeys(i["group"] for i in items):
        members = [i for i in items if i["group"] == group]
        by_group[group] = {
            "count": len(members),
            "retrieval": retrieval_metrics(members),
            "behaviour": behaviour_metrics(members),
        }
    credited: dict[str, list[bool]] = {source: [] for source in articles}
    for i in items:
        if i["expect"] != "answer":
            continue
        for source in i["gold_sources"]:
            credited.setdefault(source, []).append(bool(i["sources"]) and i["sources"][0] == source)
    by_article = {
        source: {"questions": len(hits), "hit@1": share(hits)}
        for source, hits in sorted(credited.items())
    }
    return {
        "count": len(items),
        "retrieval": retrieval_metrics(items),
        "behaviour": behaviour_metrics(items),
        "answers": answer_metrics(items),
        "latency_ms": latency_metrics(items),
        "generation": generation_metrics(items),
        "by_group": by_group,
        "by_article": by_article,
        "items": items,
    }


def figure(result: dict, key: str):
    """A dotted key's value ("retrieval.hit@1"), or None."""
    value = result
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def compare(old: dict, new: dict) -> dict:
    """Deltas of the headline figures, and the questions that got worse."""
    deltas = {}
    for key in HEADLINE:
        a, b = figure(old, key), figure(new, key)
        deltas[key] = None if a is None or b is None else round(b - a, 4)
    before = {i["id"]: i for i in old.get("items", [])}
    worse = []
    for item in new.get("items", []):
        prev = before.get(item["id"])
        if prev is None:
            continue
        why = regression(prev, item)
        if why:
            worse.append({"id": item["id"], "why": why, "before": prev, "after": item})
    return {"deltas": deltas, "worse": worse}


def regression(before: dict, after: dict) -> str | None:
    if before.get("ok") and not after.get("ok"):
        if after["kind"] != before["kind"]:
            return f"was {before['kind']}, now {after['kind']}"
        return f"gold article rank {before.get('rank')} -> {after.get('rank') or 'not found'}"
    old_rank, new_rank = before.get("rank"), after.get("rank")
    if old_rank is not None and (new_rank is None or new_rank > old_rank):
        return f"gold article rank {old_rank} -> {new_rank or 'not found'}"
    return None


def summary_table(result: dict, comparison: dict | None = None) -> str:
    """The headline figures, one a line, with the change from a baseline when there is one."""
    lines = [f"{result['count']} questions"]
    for key in HEADLINE:
        value = figure(result, key)
        text = "-" if value is None else (f"{value:.1f} ms" if "latency" in key else f"{value:.3f}")
        line = f"  {key:<32} {text:>10}"
        if comparison and comparison["deltas"].get(key) is not None:
            line += f"  ({comparison['deltas'][key]:+.3f})"
        lines.append(line)
    for key, value in (result.get("generation") or {}).items():
        lines.append(f"  generation {key:<21} {value!s:>10}")
    reasons = result["behaviour"]["declines_by_reason"]
    if reasons:
        lines.append("  declines by reason: " + ", ".join(f"{r} {n}" for r, n in reasons.items()))
    groups = result["by_group"]
    if len(groups) > 1:
        lines.append(f"  {'group':<20} {'n':>4} {'hit@1':>6} {'hit@5':>6} {'ok':>6}")
        for name, g in groups.items():
            ok = share([i["ok"] for i in result["items"] if i["group"] == name])
            lines.append(
                f"  {name:<20} {g['count']:>4} {_f(g['retrieval']['hit@1']):>6} "
                f"{_f(g['retrieval']['hit@5']):>6} {_f(ok):>6}"
            )
    return "\n".join(lines)


def _f(x) -> str:
    return "-" if x is None else f"{x:.2f}"
