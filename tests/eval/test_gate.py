"""The gate's threshold logic: floors, ceilings, figures with nothing to count, missing sets."""

import pytest

from assistant.errors import AssistantError
from assistant.eval.gate import check, load_thresholds, problems_of, table

RESULT = {
    "count": 3,
    "retrieval": {"hit@1": 0.8, "hit@5": 1.0, "mrr": 0.9},
    "behaviour": {"emergency_recall": None, "false_emergency": 0.1},
    "answers": {"citation_validity": 1.0},
    "latency_ms": {"p50": 12.0, "p95": 40.0},
}


def test_floors_and_ceilings(tmp_path):
    file = tmp_path / "t.toml"
    file.write_text(
        '[faq]\n"retrieval.hit@1" = 0.9\n"retrieval.hit@5" = 1.0\n'
        '[faq.max]\n"behaviour.false_emergency" = 0.05\n'
    )
    limits = load_thresholds(file)
    assert limits == {
        "faq": {
            "min": {"retrieval.hit@1": 0.9, "retrieval.hit@5": 1.0},
            "max": {"behaviour.false_emergency": 0.05},
        }
    }
    problems = check("faq", RESULT, limits["faq"])
    assert problems == [
        "faq: retrieval.hit@1 = 0.800, below the threshold 0.9",
        "faq: behaviour.false_emergency = 0.100, above the threshold 0.05",
    ]  # hit@5 = 1.0 meets its floor exactly


def test_a_figure_with_nothing_to_count_fails_rather_than_passes():
    problems = check("safety", RESULT, {"min": {"behaviour.emergency_recall": 1.0}})
    assert problems == ["safety: behaviour.emergency_recall has no items to count (threshold 1.0)"]


def test_a_gated_set_that_did_not_run_is_a_problem_but_medquad_may_be_absent():
    thresholds = {"faq": {"min": {}}, "gone": {"min": {}}, "medquad": {"min": {}}}
    thresholds["medquad-answers"] = {"min": {}}  # our sets over its corpus come with it
    assert problems_of({"faq": RESULT}, thresholds) == ["gone: no question file gone.jsonl"]


def test_table_shows_bounds_and_latency():
    text = table({"faq": RESULT}, {"faq": {"min": {"retrieval.hit@1": 0.9}, "max": {}}})
    assert "0.800 >=0.90" in text and "12 ms" in text and "questions" in text


def test_an_unreadable_thresholds_file_says_which(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[faq\n")
    with pytest.raises(AssistantError, match="bad.toml"):
        load_thresholds(bad)
