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

    assert grow_store(store, before + 13) == before + 13
    assert grow_store(store, before + 23) == before + 23  # a second round adds, never replaces

    records = store.article_records()
    synthetic = [r for r in records.values() if r.source.startswith("synthetic-")]
    assert sum(r.chunks for r in synthetic) == 23 and all(r.chunks <= 5 for r in synthetic)
    chunks, vectors = store.live_chunks(records)
    assert len(chunks) == before + 23  # every copy is live (its record committed)
    copies = np.array(
        [v for c, v in zip(chunks, vectors, strict=True) if c.source.startswith("synthetic-")]
    )
    assert np.allclose(np.linalg.norm(copies, axis=1), 1, atol=1e-5)
    copy = next(c for c in chunks if c.source.startswith("synthetic-"))
    assert len(store.sentence_vectors([f"{copy.id}~0", f"{copy.id}~1"])) == 2  # its sentences
    store.forget_article("scifact-1.md")  # only its copies are left to answer from
    assistant = Assistant(settings, embeddings=embeddings)
    reply = assistant.ask("How long does whiplash take to heal?")
    assert reply.kind == "answer" and reply.citations[0].source == "whiplash.md"
    yeast = assistant.ask("Do chaperone proteins help yeast cells fold proteins under heat stress?")
    assert yeast.citations[0].source.startswith("synthetic-")
    assert assistant.vectors.encoded == 0  # a copy's sentences come from the index too
