"""The scale benchmark's synthetic chunks: copies of the distractors, live, never answered from."""

import numpy as np

from assistant.ask.assistant import Assistant
from assistant.eval.scale import grow_store
from assistant.ingest import build_indexer
from assistant.store import open_store


def test_grown_store_holds_the_target_and_answers_from_the_real_articles(
    settings, articles_copy, embeddings
):
    (articles_copy / "scifact-1.md").write_text(
        "---\ntitle: Protein folding in yeast\n---\n"
        + "Chaperone proteins assist folding in yeast cells under heat stress. " * 30
    )
    build_indexer(settings, embeddings).sync([articles_copy], progress=False)
    store = open_store(settings)
    before = store.count_chunks()

    assert grow_store(store, before + 23) == before + 23

    records = store.article_records()
    synthetic = [r for r in records.values() if r.source.startswith("synthetic-")]
    assert sum(r.chunks for r in synthetic) == 23 and all(r.chunks <= 5 for r in synthetic)
    chunks, vectors = store.live_chunks(records)
    assert len(chunks) == before + 23  # every copy is live (its record committed)
    copies = np.array(
        [v for c, v in zip(chunks, vectors, strict=True) if c.source.startswith("synthetic-")]
    )
    assert np.allclose(np.linalg.norm(copies, axis=1), 1, atol=1e-5)
    reply = Assistant(settings, embeddings=embeddings).ask("How long does whiplash take to heal?")
    assert reply.kind == "answer" and reply.citations[0].source == "whiplash.md"
