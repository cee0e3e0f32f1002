"""`python -m assistant bench`: speed and memory figures, and SciFact when it is there.

Import and model-load time, a full ingest of the articles into a temporary data dir, an
unchanged re-ingest, warm ask latency over the question sets, peak RSS; then the BEIR runs on
SciFact (a few minutes: it embeds ~5k abstracts).
"""

import resource
import tempfile
import time
from pathlib import Path

Rows = list[tuple[str, str]]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_bench(articles: Path, evalsets: Path, settings) -> Rows:
    """(figure, value) rows for ingest and ask on the project's articles and question sets."""
    rows: Rows = []
    t0 = time.perf_counter()
    from ..ask.assistant import Assistant
    from ..embed import load_embeddings
    from ..ingest import build_indexer
    from .metrics import latency_metrics
    from .questions import load_questions
    from .run import ask_all

    rows.append(("import (torch, chromadb, langchain, ...)", f"{time.perf_counter() - t0:.2f} s"))
    t0 = time.perf_counter()
    embeddings = load_embeddings(settings.embedding_model)
    rows.append(("model load", f"{time.perf_counter() - t0:.2f} s"))

    with tempfile.TemporaryDirectory(prefix="bench-", ignore_cleanup_errors=True) as tmp:
        settings = settings.model_copy(update={"data_dir": Path(tmp) / "data"})
        t0 = time.perf_counter()
        report = build_indexer(settings, embeddings).sync([articles], progress=False)
        rows.append(
            (
                f"full ingest ({len(report.added)} articles, {report.chunks} chunks)",
                f"{time.perf_counter() - t0:.2f} s",
            )
        )
        t0 = time.perf_counter()
        again = build_indexer(settings, embeddings).sync([articles], progress=False)
        rows.append(
            (
                f"unchanged re-ingest ({len(again.unchanged)} unchanged)",
                f"{time.perf_counter() - t0:.2f} s",
            )
        )
        t0 = time.perf_counter()
        assistant = Assistant(settings, embeddings=embeddings)
        rows.append(("assistant start (guard, BM25 index)", f"{time.perf_counter() - t0:.2f} s"))
        questions = load_questions(sorted(Path(evalsets).glob("*.jsonl")))
        items = ask_all(assistant, questions, progress=True)
        latency = latency_metrics(items)
        rows.append((f"ask, warm, p50 ({len(items)} questions)", f"{latency['p50']:.1f} ms"))
        rows.append((f"ask, warm, p95 ({len(items)} questions)", f"{latency['p95']:.1f} ms"))
    rows.append(("peak RSS", f"{peak_rss_mb():.0f} MB"))
    return rows


def rows_table(rows: Rows, title: str = "speed and memory") -> str:
    width = max(len(name) for name, _ in rows)
    return "\n".join([f"{title:<{width}}  value", *(f"{n:<{width}}  {v}" for n, v in rows)])
