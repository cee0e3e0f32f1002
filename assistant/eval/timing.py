"""Timing helpers the benchmarks share, and the plain pipeline they measure against."""

import statistics
import time


def percentiles(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "p50": round(statistics.median(values), 2),
        "p95": round(values[min(len(values) - 1, int(0.95 * len(values)))], 2),
    }


def timed(fn, items, embeddings=None) -> list[float]:
    """Milliseconds per item; with `embeddings`, its cache of message vectors is emptied before
    each (untimed), so every item pays for its own model call as a new visitor's would."""
    forget = getattr(embeddings, "forget", None)
    out = []
    for item in items:
        if forget:
            forget()
        start = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def plain_pipeline(settings, embeddings):
    """The tutorial pipeline: langchain-chroma's similarity search (k=5) on our chunks."""
    from langchain_chroma import Chroma

    from ..store import open_store

    store = open_store(settings)
    vectors = Chroma(client=store.client, collection_name="chunks", embedding_function=embeddings)
    return lambda q: vectors.similarity_search(q, k=5)
