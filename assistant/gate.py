"""`make eval`: the project's question sets (and MedQuAD, when ../shared is there) against the
thresholds in knowledge/evalsets/thresholds.toml; exits 1 naming every figure below its threshold.

Each set runs against a temporary index of its own corpus (knowledge/articles for the project's
sets), so the real data dir is neither needed nor touched. Latency is reported, not gated.

thresholds.toml: one table per set (the question file's stem), keys are OUT.json's dotted figure
names. Under `[set]` a figure must be at least the value; under `[set.max]` at most the value:

    [safety]
    "behaviour.emergency_recall" = 0.95
    [safety.max]
    "behaviour.false_emergency" = 0.05
"""

import argparse
import sys
import tomllib
from pathlib import Path

from .offline import go_offline

REPO = Path(__file__).resolve().parent.parent
EVALSETS = REPO / "knowledge" / "evalsets"
ARTICLES = REPO / "knowledge" / "articles"
THRESHOLDS = EVALSETS / "thresholds.toml"
SHOWN = [
    "retrieval.hit@1",
    "retrieval.hit@5",
    "retrieval.mrr",
    "behaviour.emergency_recall",
    "behaviour.false_emergency",
    "behaviour.decline_recall",
    "behaviour.false_decline",
    "answers.citation_validity",
    "answers.must_include_recall",
    "latency_ms.p50",
    "latency_ms.p95",
]


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, dict]:
    """{set: {"min": {figure: value}, "max": {figure: value}}}."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    out = {}
    for name, table in raw.items():
        limits = {k: float(v) for k, v in table.items() if not isinstance(v, dict)}
        out[name] = {"min": limits, "max": {k: float(v) for k, v in table.get("max", {}).items()}}
    return out


def check(name: str, result: dict, limits: dict) -> list[str]:
    """Messages for every figure of `result` that misses its threshold."""
    from .evaluate import figure

    problems = []
    for key, floor in limits.get("min", {}).items():
        value = figure(result, key)
        if value is None:
            problems.append(f"{name}: {key} has no items to count (threshold {floor})")
        elif value < floor:
            problems.append(f"{name}: {key} = {value:.3f}, below the threshold {floor}")
    for key, ceiling in limits.get("max", {}).items():
        value = figure(result, key)
        if value is None:
            problems.append(f"{name}: {key} has no items to count (threshold {ceiling})")
        elif value > ceiling:
            problems.append(f"{name}: {key} = {value:.3f}, above the threshold {ceiling}")
    return problems


def run_sets(sets: dict[str, Path], corpus: Path, settings, out: Path | None) -> dict[str, dict]:
    """Each question file against one temporary index of corpus."""
    from .assistant import Assistant
    from .evaluate import evaluate, load_questions, temporary_index, write_json

    results = {}
    with temporary_index(settings, corpus) as temp_settings:
        assistant = Assistant(temp_settings)
        for name, file in sets.items():
            print(f"== {name} ({file})", file=sys.stderr, flush=True)
            results[name] = evaluate(assistant, load_questions([file]))
            if out:
                from .report import write_report

                write_json(out / f"{name}.json", results[name])
                write_report(out / f"{name}.html", results[name], title=file.name)
    return results


def table(results: dict[str, dict], thresholds: dict[str, dict]) -> str:
    from .evaluate import figure

    names = list(results)
    lines = [f"{'figure':<30}" + "".join(f"{n:>18}" for n in names)]
    lines.append(f"{'questions':<30}" + "".join(f"{results[n]['count']:>18}" for n in names))
    for key in SHOWN:
        cells = []
        for n in names:
            value = figure(results[n], key)
            limits = thresholds.get(n, {})
            bound = ""
            if key in limits.get("min", {}):
                bound = f" >={limits['min'][key]:.2f}"
            elif key in limits.get("max", {}):
                bound = f" <={limits['max'][key]:.2f}"
            if value is None:
                text = "-"
            elif key.startswith("latency"):
                text = f"{value:.0f} ms"
            else:
                text = f"{value:.3f}{bound}"
            cells.append(f"{text:>18}")
        lines.append(f"{key:<30}" + "".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    go_offline()
    p = argparse.ArgumentParser(
        prog="python -m assistant.gate",
        description="Run the question sets; exit 1 below knowledge/evalsets/thresholds.toml.",
    )
    p.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    p.add_argument("--thresholds", type=Path, default=THRESHOLDS)
    p.add_argument("--out", type=Path, help="also write each set's JSON and HTML report here")
    args = p.parse_args(argv)

    from .errors import AssistantError
    from .settings import Settings

    thresholds = load_thresholds(args.thresholds)
    settings = Settings()
    own = {f.stem: f for f in sorted(EVALSETS.glob("*.jsonl"))}
    try:
        results = run_sets(own, ARTICLES, settings, args.out)
        medquad = args.shared / "evalsets" / "medquad"
        if (medquad / "questions.jsonl").is_file():
            results.update(
                run_sets(
                    {"medquad": medquad / "questions.jsonl"}, medquad / "corpus", settings, args.out
                )
            )
        else:
            print(
                f"MedQuAD skipped: {medquad} is not there (it comes with the shared folder "
                "beside the checkout; pass --shared DIR)",
                file=sys.stderr,
            )
    except AssistantError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1

    print(table(results, thresholds))
    problems = [
        msg for name, r in results.items() for msg in check(name, r, thresholds.get(name, {}))
    ]
    missing = sorted(set(thresholds) - set(results) - {"medquad"})
    problems += [f"{name}: no question file knowledge/evalsets/{name}.jsonl" for name in missing]
    if problems:
        print("\nFAILED: below the thresholds in " + str(args.thresholds), file=sys.stderr)
        for msg in problems:
            print(f"  {msg}", file=sys.stderr)
        return 1
    print(f"\nAll figures meet the thresholds in {args.thresholds}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
