"""`make bench`'s scale rows: ask at about 10k and 100k chunks, and against a Chroma server.

Embedding 100k real chunks here takes about 40 minutes, so the extra chunks are synthetic: the
corpus's distractor chunks (SciFact abstracts) copied under new article names, their vectors
perturbed and renormalised, as the issue allows; each copy carries its original's sentence
vectors, as a real chunk would. Each row sets ask beside the plain pipeline
(`Chroma.similarity_search`, k=5) on the same store and questions.
"""

import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from ..store import PAGE, now_iso
from ..types import ArticleRecord, chunk_id, sentence_id, sentences_of

NOISE = 0.02  # per dimension, on unit vectors of 384 dimensions: cosine to the original ~0.93
CHUNKS_PER_COPY = 5  # synthetic articles of this many chunks


def grow_store(store, target_chunks: int, seed: int = 12) -> int:
    """Add synthetic copies of the distractor chunks until the store holds target_chunks."""
    records = store.article_records()
    chunks, vectors = store.live_chunks(records)
    distractors = [i for i, c in enumerate(chunks) if c.source.startswith("scifact-")]
    if not distractors:
        raise RuntimeError("the store has no distractor (scifact-*) chunks to copy")
    rng = np.random.default_rng(seed + len(chunks))
    missing = target_chunks - len(chunks)
    copy = sum(r.source.startswith("synthetic-") for r in records.values())  # names go on
    sentence_vectors = _sentence_matrices(store, [chunks[i] for i in distractors])
    while missing > 0:
        size = min(PAGE, missing)
        picks = rng.choice(distractors, size=size)
        noisy = vectors[picks] + rng.normal(0, NOISE, (size, vectors.shape[1])).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        versions, new_records = [], []
        for start in range(0, size, CHUNKS_PER_COPY):
            group = picks[start : start + CHUNKS_PER_COPY]
            source = f"synthetic-{copy:06d}.md"
            digest = f"{copy:064x}"
            copied = [
                dataclasses.replace(
                    chunks[i],
                    id=chunk_id(source, digest, n),
                    source=source,
                    position=n,
                )
                for n, i in enumerate(group)
            ]
            matrices = [sentence_vectors[chunks[i].id] for i in group]
            versions.append((copied, noisy[start : start + len(group)], digest, None, matrices))
            new_records.append(
                ArticleRecord(
                    source=source,
                    folder="synthetic",
                    title=copied[0].title,
                    content_hash=digest,
                    chunks=len(copied),
                    ingested_at=now_iso(),
                )
            )
            copy += 1
        store.add_versions(versions)
        store.commit_articles(new_records)
        missing -= size
    store.bump_generation()
    return store.count_chunks()


def _sentence_matrices(store, chunks) -> dict[str, np.ndarray]:
    """Each chunk's stored sentence vectors, as one matrix per chunk id."""
    ids = {c.id: [sentence_id(c.id, i) for i in range(len(sentences_of(c.text)))] for c in chunks}
    found = store.sentence_vectors([i for group in ids.values() for i in group])
    dimension = len(next(iter(found.values()))) if found else 384
    return {
        chunk: np.array([found[i] for i in group if i in found], np.float32).reshape(-1, dimension)
        for chunk, group in ids.items()
    }


def ask_row(settings, questions: list[str]) -> dict:
    """ask and the plain pipeline, p50/p95 over the questions, on the store settings name."""
    from ..ask.assistant import Assistant
    from ..embed import embeddings_for
    from .timing import percentiles, plain_pipeline, timed

    embeddings = embeddings_for(settings)
    start = time.perf_counter()
    assistant = Assistant(settings, embeddings=embeddings)
    assistant.ask(questions[0])
    loaded_s = time.perf_counter() - start
    plain = plain_pipeline(settings, embeddings)
    for q in questions[:5]:  # warm both
        assistant.ask(q)
        plain(q)
    before = assistant.vectors.encoded
    row = {
        "chunks": assistant.store.count_chunks(),
        "ask_ms": percentiles(timed(assistant.ask, questions, embeddings)),
        "plain_pipeline_ms": percentiles(timed(plain, questions, embeddings)),
        "model_calls_beyond_question": assistant.vectors.encoded - before,
        "load_and_first_answer_s": round(loaded_s, 2),
    }
    row["ask_over_plain_p50"] = round(row["ask_ms"]["p50"] / row["plain_pipeline_ms"]["p50"], 2)
    return row


def chroma_server(path: Path, port: int, timeout: float = 60) -> subprocess.Popen:
    """`chroma run` on 127.0.0.1:port over path, once its heartbeat answers."""
    import httpx

    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"chroma run did not start on port {port}")
        time.sleep(0.2)


def server_row(settings, questions: list[str]) -> dict:
    """The same store served by `chroma run`: the app and the plain pipeline over HTTP."""
    import socket

    from ..store import open_fresh

    open_fresh(settings.data_dir)  # drop this process's embedded client before the server opens
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = chroma_server(settings.data_dir / "chroma", port)
    try:
        remote = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": port})
        return ask_row(remote, questions)
    finally:
        server.terminate()
        server.wait(timeout=30)
