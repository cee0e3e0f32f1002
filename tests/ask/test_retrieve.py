"""Retrieval over a large index: HNSW candidates, scored exactly."""

import json

import numpy as np


def test_a_large_index_ranks_by_hnsw_candidates_as_the_exact_product_does(
    kb_settings, embeddings, monkeypatch
):
    """Above EXACT_UP_TO live chunks the vector candidates come from Chroma's HNSW index;
    on the project's articles (where HNSW is as good as exact) the rankings must agree."""
    from assistant.ask import retrieve
    from assistant.ask.assistant import Assistant

    from ..helpers import EVALSETS

    questions = [
        json.loads(line)["question"]
        for line in (EVALSETS / "faq.jsonl").read_text().splitlines()[:40]
    ]
    retriever = Assistant(kb_settings, embeddings=embeddings).retriever
    exact = [retriever.search(q) for q in questions]
    monkeypatch.setattr(retrieve, "EXACT_UP_TO", 0)
    approximate = [retriever.search(q) for q in questions]

    for e, a in zip(exact, approximate, strict=True):
        assert a.sources == e.sources
        assert [p.chunk.id for p in a.passages] == [p.chunk.id for p in e.passages]
        assert np.allclose([p.similarity for p in a.passages], [p.similarity for p in e.passages])
