"""`make bench`: speed and memory, and the SciFact retrieval benchmark when ../shared is there.

Prints: import and model-load time, a full ingest of knowledge/articles into a temporary data
dir, an unchanged re-ingest, warm ask latency over the project's question sets, peak RSS; then
`python -m assistant beir` on SHARED/benchmarks/scifact (a few minutes: it embeds ~5k abstracts).
"""

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from .offline import go_offline

REPO = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    go_offline()
    p = argparse.ArgumentParser(
        prog="python -m assistant.bench",
        description="Speed and memory figures, and the SciFact benchmark.",
    )
    p.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    p.add_argument("--no-beir", action="store_true", help="skip the SciFact benchmark")
    args = p.parse_args(argv)

    rows: list[tuple[str, str]] = []
    t0 = time.perf_counter()
    from .assistant import Assistant
    from .cli import build_indexer
    from .embed import load_embeddings
    from .evaluate import ask_all, latency_metrics, load_questions
    from .settings import Settings

    rows.append(("import (torch, chromadb, langchain, ...)", f"{time.perf_counter() - t0:.2f} s"))
    t0 = time.perf_counter()
    embeddings = load_embeddings()
    rows.append(("model load", f"{time.perf_counter() - t0:.2f} s"))

    articles = REPO / "knowledge" / "articles"
    with tempfile.TemporaryDirectory(prefix="bench-", ignore_cleanup_errors=True) as tmp:
        settings = Settings().model_copy(update={"data_dir": Path(tmp) / "data"})
        t0 = time.perf_counter()
        report = build_indexer(settings).sync([articles], progress=False)
        rows.append(
            (
                f"full ingest ({len(report.added)} articles, {report.chunks} chunks)",
                f"{time.perf_counter() - t0:.2f} s",
            )
        )
        t0 = time.perf_counter()
        again = build_indexer(settings).sync([articles], progress=False)
        rows.append(
            (
                f"unchanged re-ingest ({len(again.unchanged)} unchanged)",
                f"{time.perf_counter() - t0:.2f} s",
            )
        )
        t0 = time.perf_counter()
        assistant = Assistant(settings, embeddings=embeddings)
        rows.append(("assistant start (guard, BM25 index)", f"{time.perf_counter() - t0:.2f} s"))
        questions = load_questions(sorted((REPO / "knowledge" / "evalsets").glob("*.jsonl")))
        items = ask_all(assistant, questions, progress=True)
        latency = latency_metrics(items)
        rows.append((f"ask, warm, p50 ({len(items)} questions)", f"{latency['p50']:.1f} ms"))
        rows.append((f"ask, warm, p95 ({len(items)} questions)", f"{latency['p95']:.1f} ms"))
    rows.append(("peak RSS", f"{peak_rss_mb():.0f} MB"))

    width = max(len(name) for name, _ in rows)
    print(f"{'speed and memory':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")

    scifact = args.shared / "benchmarks" / "scifact"
    if args.no_beir:
        return 0
    if not (scifact / "corpus.jsonl").is_file():
        print(f"\nSciFact skipped: {scifact} is not there (pass --shared DIR)", file=sys.stderr)
        return 0
    from .beir import run_beir, table

    t0 = time.perf_counter()
    result = run_beir(scifact, Settings(), embeddings=embeddings, progress=True)
    print(f"\nSciFact (BEIR), {time.perf_counter() - t0:.0f} s; published MiniLM nDCG@10 0.645")
    print(table(result))
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
