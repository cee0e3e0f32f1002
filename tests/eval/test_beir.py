"""The BEIR benchmark: metric arithmetic by hand, and a tiny BEIR folder end to end."""

import json
import math

import pytest

from assistant.eval.beir import load_beir, ndcg_at_k, recall_at_k, run_beir, score_rankings

DOCS = {
    "d1": ("Whiplash", "Whiplash is a neck injury caused by a sudden jolt, as in a car crash."),
    "d2": (
        "Migraine",
        "Migraine is a throbbing headache, often with nausea and light sensitivity.",
    ),
    "d3": ("Sourdough bread", "Sourdough is leavened with a starter of wild yeast and bacteria."),
    "d4": ("Photosynthesis", "Plants turn sunlight, water and carbon dioxide into sugar."),
    "d5": ("Tax returns", "A tax return reports income to the revenue service each year."),
    "d6": ("Knee replacement", "Surgery replaces a worn knee joint with an artificial one."),
    "d7": ("Volcanoes", "Volcanoes erupt molten rock, ash and gas from the earth's mantle."),
    "d8": ("Chess openings", "The Sicilian defence is a popular reply to the king's pawn."),
    "d9": ("Posture", "Slouching at a desk strains the neck and upper back muscles."),
    "d10": ("Coral reefs", "Reefs are built by colonies of tiny animals called polyps."),
    "d11": ("Jet engines", "A jet engine compresses air, burns fuel and expels hot gas."),
    "d12": ("Tides", "The moon's gravity pulls the oceans, causing high and low tides."),
}
QUERIES = {
    "q1": "neck injury from a car accident",
    "q2": "throbbing headache with nausea",
    "q3": "why do the oceans have tides",
    "q4": "a query without qrels is skipped",
}
QRELS = {"q1": {"d1": 1}, "q2": {"d2": 2, "d9": 0}, "q3": {"d12": 1}}


def test_ndcg_perfect_ranking_is_one():
    assert ndcg_at_k(["a", "b", "x"], {"a": 1, "b": 1}) == pytest.approx(1.0)
    assert ndcg_at_k(["a", "b"], {"a": 2, "b": 1}) == pytest.approx(1.0)


def test_ndcg_known_permutations():
    # Binary: relevant at ranks 2 and 4. DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3).
    got = ndcg_at_k(["x", "a", "y", "b"], {"a": 1, "b": 1})
    assert got == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3)))
    assert got == pytest.approx(0.65092, abs=1e-5)
    # Graded (linear gain, as trec_eval): the better document second.
    assert ndcg_at_k(["b", "a"], {"a": 2, "b": 1}) == pytest.approx(
        (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    )
    # Only the first k count; zero-relevance qrels do not count in the ideal.
    assert ndcg_at_k(["x"] * 10 + ["a"], {"a": 1}) == 0.0
    assert ndcg_at_k(["a"], {"a": 1, "z": 0}) == pytest.approx(1.0)


def test_recall_at_k():
    assert recall_at_k(["a", "x", "b"], {"a": 1, "b": 1, "c": 1}) == pytest.approx(2 / 3)
    assert recall_at_k(["x", "a"], {"a": 1}, k=1) == 0.0


def test_score_rankings_averages_over_queries_with_qrels():
    scores = score_rankings({"q1": ["a"], "q2": ["x", "b"]}, {"q1": {"a": 1}, "q2": {"b": 1}})
    assert scores["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2, abs=1e-5)
    assert scores["recall@100"] == 1.0


@pytest.fixture
def beir_dir(tmp_path):
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, (t, x) in DOCS.items())
    )
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in QUERIES.items())
    )
    lines = ["query-id\tcorpus-id\tscore"] + [
        f"{q}\t{d}\t{s}" for q, docs in QRELS.items() for d, s in docs.items()
    ]
    (folder / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n")
    return folder


def test_load_beir_skips_queries_without_qrels(beir_dir):
    data = load_beir(beir_dir)
    assert set(data.queries) == {"q1", "q2", "q3"}
    assert data.qrels["q2"] == {"d2": 2, "d9": 0}
    assert data.corpus["d1"][0] == "Whiplash"


def test_run_beir_on_a_tiny_corpus(beir_dir, tmp_path, embeddings):
    from tests.helpers import make_settings

    result = run_beir(beir_dir, make_settings(tmp_path / "data"), embeddings, progress=False)
    for run in ("reference", "vector", "bm25", "hybrid"):
        assert set(result[run]) == {"ndcg@10", "recall@100"}
        assert 0.0 <= result[run]["ndcg@10"] <= 1.0
        assert result[run]["recall@100"] == 1.0  # 12 documents: everything is in the top 100
    # Easy queries: the model ranks the one right document first.
    assert result["reference"]["ndcg@10"] == pytest.approx(1.0)
    assert result["hybrid"]["ndcg@10"] == pytest.approx(1.0)
    assert not (tmp_path / "data").exists()  # the pipeline index lives in its own temp dir
