"""Crash safety: ingest killed (SIGKILL) at random moments while the corpus changes between runs;
one plain `ingest.py --sync` afterwards leaves exactly the index a clean ingest builds."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time

from assistant.settings import Settings
from assistant.store import open_fresh
from tests.helpers import ARTICLES, REPO

KILLS = 10
POOL = sorted(ARTICLES.glob("*.md"))


def ingest(data_dir, corpus, wait: bool = True) -> subprocess.Popen:
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_EMBEDDING_RUNTIME": "onnx",  # the same bundled model, without torch's import
    }
    process = subprocess.Popen(
        [sys.executable, str(REPO / "ingest.py"), "--sync", str(corpus)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    if wait:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    return process


def snapshot(data_dir) -> dict:
    """Everything the index holds, by id: articles and versions, and all rows of the chunk,
    sentence and heading collections (live or not: an orphan shows up here)."""
    store = open_fresh(data_dir)  # not a client this process cached while the ingests ran
    records = store.article_records()

    def ids(collection) -> set[str]:
        return {row for page in store._pages(collection, []) for row in page[0]}

    return {
        "articles": {s: r.content_hash for s, r in records.items()},
        "chunks": ids(store.chunks),
        "sentences": ids(store.sentences),
        "headings": ids(store.headings),
        "live": sorted(c.id for c in store.live_chunks(records)[0]),
    }


def change_corpus(corpus, rng: random.Random, step: int) -> None:
    present = sorted(corpus.glob("*.md"))
    edited = rng.choice(present)
    edited.write_text(
        edited.read_text() + f"\n\nRevision {step}: gentle movement helps most people.\n"
    )
    if len(present) > 4:
        rng.choice([p for p in present if p != edited]).unlink()
    missing = [p for p in POOL if not (corpus / p.name).exists()]
    if missing:
        shutil.copy(rng.choice(missing), corpus)


def test_killed_ingests_are_repaired_by_one_sync(tmp_path, embeddings):
    from assistant.ask.assistant import Assistant

    rng = random.Random(20261201)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in POOL[:6]:
        shutil.copy(path, corpus)
    data = tmp_path / "data"
    ingest(data, corpus)
    change_corpus(corpus, rng, -1)
    start = time.monotonic()
    ingest(data, corpus)
    changed_run_s = time.monotonic() - start  # what the killed runs below would take

    assistant = Assistant(Settings(data_dir=data), embeddings=embeddings)  # the app, meanwhile
    killed_while_running = answered_during = 0
    for step in range(KILLS):
        change_corpus(corpus, rng, step)
        process = ingest(data, corpus, wait=False)
        kill_at = time.monotonic() + rng.uniform(0.1, changed_run_s)  # a random moment, by design
        while time.monotonic() < kill_at:  # the app keeps answering while the ingest runs
            reply = assistant.ask("What exercises help neck pain?")
            assert reply.kind == "answer", reply
            answered_during += process.poll() is None
        if process.poll() is None:
            killed_while_running += 1
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    print(
        f"{killed_while_running} of {KILLS} kills landed mid-run; "
        f"{answered_during} answers meanwhile"
    )
    assert answered_during > 0
    assert killed_while_running >= KILLS // 2  # most kills landed mid-run, not after it

    ingest(data, corpus)  # the plain sync a staff member runs next
    clean = tmp_path / "clean"
    ingest(clean, corpus)
    repaired, expected = snapshot(data), snapshot(clean)
    assert repaired["articles"] == expected["articles"]
    assert repaired["live"] == expected["live"]
    assert repaired["chunks"] == set(expected["live"]) == expected["chunks"]  # no orphan
    assert repaired["sentences"] == expected["sentences"]
    assert repaired["headings"] == expected["headings"]
