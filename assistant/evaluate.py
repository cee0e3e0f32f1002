"""Question sets -> metrics: `python -m assistant eval FILE.jsonl ... --json OUT.json`.

Every question goes through the same `Assistant` the web app uses. The metric definitions are
DESIGN.md's contract (other tools read OUT.json); items carry a few extra keys (the question,
the reply text, what was expected) for the report and for comparing runs.
"""

import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .cite import citations_valid
from .errors import AssistantError
from .texts import disclaimer_for

KINDS = ("answer", "decline", "emergency")


# --- questions -------------------------------------------------------------------------------


def load_questions(files: list[Path]) -> list[dict]:
    """Question lines from JSONL files, checked, with defaults filled in."""
    questions: list[dict] = []
    seen: set[str] = set()
    for file in map(Path, files):
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise AssistantError(f"cannot read the question file {file}: {err.strerror}") from err
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{file}:{n}"
            try:
                raw = json.loads(line)
            except ValueError as err:
                raise AssistantError(f"{where}: not a JSON object ({err})") from err
            if not isinstance(raw, dict) or not isinstance(raw.get("question"), str):
                raise AssistantError(f'{where}: each line needs at least {{"question": "..."}}')
            expect = raw.get("expect") or "answer"
            if expect not in KINDS:
                raise AssistantError(f"{where}: expect must be one of {', '.join(KINDS)}")
            qid = str(raw.get("id") or f"{file.stem}-{n}")
            if qid in seen:
                raise AssistantError(f"{where}: the id {qid!r} is used twice")
            seen.add(qid)
            questions.append(
                {
                    "id": qid,
                    "question": raw["question"],
                    "expect": expect,
                    "gold_sources": [str(s) for s in raw.get("gold_sources") or []],
                    "must_include": [str(t) for t in raw.get("must_include") or []],
                    "group": str(raw.get("group") or file.stem),
                    "history": raw.get("history") or [],
                    "reason": raw.get("reason"),  # expected decline reason (report only)
                    "set": file.stem,
                }
            )
    if not questions:
        raise AssistantError("the question files hold no questions")
    return questions


# --- asking ----------------------------------------------------------------------------------


def ask_all(assistant, questions: list[dict], progress: bool = True) -> list[dict]:
    """Each question through the assistant, warm (one warm-up question first), timed."""
    if questions:
        assistant.ask(questions[0]["question"], list(questions[0]["history"]))
    bar = _bar(len(questions), "Asking", progress)
    items = []
    for q in questions:
        start = time.perf_counter()
        reply = assistant.ask(q["question"], list(q["history"]))
        latency_ms = (time.perf_counter() - start) * 1000
        items.append(score_item(q, reply, assistant.settings, latency_ms))
        bar.update(1)
    bar.close()
    return items


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
    }


# --- metrics ---------------------------------------------------------------------------------


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
        "by_group": by_group,
        "by_article": by_article,
        "items": items,
    }


def evaluate(assistant, questions: list[dict], progress: bool = True) -> dict:
    items = ask_all(assistant, questions, progress)
    articles = sorted(assistant.retriever.records)
    unknown = sorted({s for q in questions for s in q["gold_sources"]} - set(articles))
    if unknown:
        warn(f"gold sources not in the index (check their names): {', '.join(unknown)}")
    result = summarise(items, articles)
    result["meta"] = {
        "sets": sorted({q["set"] for q in questions}),
        "articles": len(articles),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "answer_backend": assistant.settings.answer_backend,
    }
    return result


# --- comparing runs --------------------------------------------------------------------------

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


# --- the command -----------------------------------------------------------------------------


@contextmanager
def temporary_index(settings, knowledge: Path, progress: bool = True) -> Iterator:
    """Settings for a temporary data dir holding an index of `knowledge` only."""
    from .cli import build_indexer

    knowledge = Path(knowledge)
    if not knowledge.exists():
        raise AssistantError(f"--knowledge {knowledge}: no such file or folder")
    with tempfile.TemporaryDirectory(prefix="assistant-eval-", ignore_cleanup_errors=True) as tmp:
        temp_settings = settings.model_copy(update={"data_dir": Path(tmp) / "data"})
        if settings.texts_dir.is_dir():  # the clinic's own wording, if it has any
            shutil.copytree(settings.texts_dir, temp_settings.texts_dir)
        report = build_indexer(temp_settings).sync([knowledge], progress=progress)
        for source, reason in report.failed:
            warn(f"not indexed: {source}: {reason}")
        warn(f"Indexed {knowledge}: {len(report.added)} articles, {report.chunks} chunks")
        yield temp_settings


def run_eval(files: list[Path], settings, knowledge: Path | None = None, progress=True) -> dict:
    from .assistant import Assistant

    questions = load_questions(files)
    if knowledge is None:
        assistant = Assistant(settings)
        if not assistant.retriever.records:
            raise AssistantError(
                f"the index in {settings.data_dir} is empty: ingest the articles first "
                "(ingest.py), or pass --knowledge FOLDER"
            )
        return evaluate(assistant, questions, progress)
    with temporary_index(settings, knowledge, progress) as temp_settings:
        assistant = Assistant(temp_settings)
        return evaluate(assistant, questions, progress)


def run_eval_command(args, settings) -> int:
    result = run_eval(args.files, settings, args.knowledge)
    baseline = None
    if args.baseline:
        try:
            baseline = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise AssistantError(f"cannot read --baseline {args.baseline}: {err}") from err
    comparison = compare(baseline, result) if baseline else None
    write_json(args.json_out, result)
    print(summary_table(result, comparison), file=sys.stderr)
    if comparison and comparison["worse"]:
        print(f"{len(comparison['worse'])} question(s) got worse:", file=sys.stderr)
        for w in comparison["worse"][:20]:
            print(f"  {w['id']}: {w['why']}", file=sys.stderr)
    print(f"Wrote {args.json_out}", file=sys.stderr)
    if args.report:
        from .report import write_report

        write_report(args.report, result, baseline, title=", ".join(f.name for f in args.files))
        print(f"Wrote {args.report}", file=sys.stderr)
    return 0


def write_json(path: Path, result: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


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


def _bar(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="q", file=sys.stderr, disable=not enabled, leave=False)


def warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
