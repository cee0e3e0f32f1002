"""The quality gate: question sets against the thresholds in a TOML file.

Each set runs against a temporary index of its own corpus (the articles folder for the project's
sets, MedQuAD's corpus for MedQuAD), so the real data dir is neither needed nor touched. Latency
is reported, not gated.

thresholds.toml: one table per set (the question file's stem), keys are OUT.json's dotted figure
names. Under `[set]` a figure must be at least the value; under `[set.max]` at most the value:

    [safety]
    "behaviour.emergency_recall" = 0.95
    [safety.max]
    "behaviour.false_emergency" = 0.05
"""

import sys
import tomllib
from pathlib import Path

from ..ask.assistant import Assistant
from ..errors import AssistantError
from .metrics import HEADLINE, figure
from .questions import load_questions
from .report import write_report
from .run import evaluate, temporary_index, write_json

# The gate's table: the headline figures but for the few that only the eval's table needs.
SHOWN = [
    k
    for k in HEADLINE
    if k not in ("retrieval.hit@3", "behaviour.guard_false_decline", "answers.disclaimer_rate")
]


CLINIC = "clinic-"  # sets named clinic-*.jsonl also index the clinic's posts in shared/clinic


def load_thresholds(path: Path) -> dict[str, dict]:
    """{set: {"min": {figure: value}, "max": {figure: value}}}."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise AssistantError(f"cannot read the thresholds file {path}: {err}") from err
    out = {}
    for name, table in raw.items():
        limits = {k: float(v) for k, v in table.items() if not isinstance(v, dict)}
        out[name] = {"min": limits, "max": {k: float(v) for k, v in table.get("max", {}).items()}}
    return out


def check(name: str, result: dict, limits: dict) -> list[str]:
    """Messages for every figure of `result` that misses its threshold."""
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


def problems_of(results: dict[str, dict], thresholds: dict[str, dict]) -> list[str]:
    """Every figure below (or above) its threshold, and every gated set that did not run."""
    problems = [
        msg for name, r in results.items() for msg in check(name, r, thresholds.get(name, {}))
    ]
    missing = sorted(
        n
        for n in set(thresholds) - set(results)
        if not n.startswith("medquad") and not n.startswith(CLINIC)
    )
    return problems + [f"{name}: no question file {name}.jsonl" for name in missing]


def run_sets(
    sets: dict[str, Path], corpus: Path | list[Path], settings, out: Path | None
) -> dict[str, dict]:
    """Each question file against one temporary index of corpus (a folder, or several)."""
    results = {}
    with temporary_index(settings, corpus) as temp_settings:
        assistant = Assistant(temp_settings)
        for name, file in sets.items():
            print(f"== {name} ({file})", file=sys.stderr, flush=True)
            results[name] = evaluate(assistant, load_questions([file]))
            if out:
                write_json(out / f"{name}.json", results[name])
                write_report(out / f"{name}.html", results[name], title=file.name)
    return results


def run_gate(
    evalsets: Path,
    articles: Path,
    settings,
    shared: Path | None = None,
    out: Path | None = None,
    holdouts: Path | None = None,
    medquad_sets: Path | None = None,
) -> dict[str, dict]:
    """The project's sets (every *.jsonl in evalsets, and in holdouts: reported, not gated)
    over articles, then MedQuAD from shared, with our own sets over its corpus (every *.jsonl in
    medquad_sets, named medquad-<stem>: the shared set has no must_include terms)."""
    own = {f.stem: f for f in sorted(Path(evalsets).glob("*.jsonl"))}
    if not own:
        raise AssistantError(f"no question sets (*.jsonl) in {evalsets}")
    if holdouts and Path(holdouts).is_dir():
        own |= {f.stem: f for f in sorted(Path(holdouts).glob("*.jsonl"))}
    clinic_sets = {n: f for n, f in own.items() if n.startswith(CLINIC)}
    results = run_sets(
        {n: f for n, f in own.items() if n not in clinic_sets}, articles, settings, out
    )
    clinic = Path(shared or "../shared") / "clinic"
    if clinic_sets and clinic.is_dir():
        # the clinic's own posts as they came (no headings), beside the articles
        results.update(run_sets(clinic_sets, [articles, clinic], settings, out))
    elif clinic_sets:
        print(f"clinic sets skipped: {clinic} is not there (pass --shared DIR)", file=sys.stderr)
    medquad = Path(shared or "../shared") / "evalsets" / "medquad"
    if (medquad / "questions.jsonl").is_file():
        ours = sorted(Path(medquad_sets).glob("*.jsonl")) if medquad_sets else []
        sets = {"medquad": medquad / "questions.jsonl"} | {f"medquad-{f.stem}": f for f in ours}
        results.update(run_sets(sets, medquad / "corpus", settings, out))
    else:
        print(
            f"MedQuAD skipped: {medquad} is not there (it comes with the shared folder "
            "beside the checkout; pass --shared DIR)",
            file=sys.stderr,
        )
    return results


def table(results: dict[str, dict], thresholds: dict[str, dict]) -> str:
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
