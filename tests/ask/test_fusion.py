"""Hybrid retrieval: article pooling, standardised fusion, and what each method alone finds."""

from dataclasses import replace

import numpy as np

from assistant.ask.assistant import build_retriever
from assistant.ask.retrieve import pooled_similarity_of, standardise
from assistant.store import open_store


def test_several_good_passages_beat_one_lucky_match():
    assert pooled_similarity_of(np.array([0.60, 0.60, 0.60])) > pooled_similarity_of(
        np.array([0.62, 0.20, 0.20])
    )
    # Only the best three count: a long article gains nothing from its length.
    assert pooled_similarity_of(np.array([0.6, 0.5, 0.4] + [0.1] * 50)) == (
        pooled_similarity_of(np.array([0.6, 0.5, 0.4]))
    )


def test_standardise_centres_and_a_tie_gives_zeros():
    z = standardise([1.0, 2.0, 3.0])
    assert abs(z.mean()) < 1e-9 and abs(z.std() - 1) < 1e-9
    assert standardise([0.4, 0.4]).tolist() == [0.0, 0.0]


def test_each_method_alone_and_fused(kb_settings, embeddings):
    retriever = build_retriever(open_store(kb_settings), embeddings, kb_settings)
    hybrid = retriever.settings
    word = "grating temporalis"  # words only the TMJ article has: BM25 matches them exactly
    retriever.settings = replace(hybrid, vector_weight=0.0)
    assert retriever.search(word).sources[0] == "jaw-and-tmj.md"
    for settings in (replace(hybrid, bm25_weight=0.0), hybrid):
        retriever.settings = settings
        result = retriever.search("pain behind the ear from the occipital nerves")
        assert result.sources[0] == "occipital-neuralgia.md"
        assert [p.chunk.source for p in result.passages][0] == "occipital-neuralgia.md"
        assert len(result.passages) <= settings.passages
