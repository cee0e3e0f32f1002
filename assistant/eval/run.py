"""Run question sets through the same `Assistant` the web app uses: questions -> OUT.json.

Items carry a few extra keys beyond the contract (the question, the reply text, what was
expected) for the report and for comparing runs.
"""

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..ask.assistant import Assistant
from ..errors import AssistantError
from ..ingest import build_indexer
from .metrics import score_item, summarise
from .questions import load_questions


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


@contextmanager
def temporary_index(settings, knowledge: Path | list[Path], progress: bool = True) -> Iterator:
    """Settings for a temporary data dir holding an index of `knowledge` only (one folder or
    file, or several)."""
    folders = [Path(k) for k in (knowledge if isinstance(knowledge, list) else [knowledge])]
    for folder in folders:
        if not folder.exists():
            raise AssistantError(f"--knowledge {folder}: no such file or folder")
    with tempfile.TemporaryDirectory(prefix="assistant-eval-", ignore_cleanup_errors=True) as tmp:
        temp_settings = settings.model_copy(update={"data_dir": Path(tmp) / "data"})
        if settings.texts_dir.is_dir():  # the clinic's own wording, if it has any
            shutil.copytree(settings.texts_dir, temp_settings.texts_dir)
        report = build_indexer(temp_settings).sync(folders, progress=progress)
        for source, reason in report.failed:
            warn(f"not indexed: {source}: {reason}")
        names = ", ".join(str(f) for f in folders)
        warn(f"Indexed {names}: {len(report.added)} articles, {report.chunks} chunks")
        yield temp_settings


def run_eval(files: list[Path], settings, knowledge: Path | None = None, progress=True) -> dict:
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


def write_json(path: Path, result: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _bar(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="q", file=sys.stderr, disable=not enabled, leave=False)


def warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
