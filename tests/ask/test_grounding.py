"""The grounding check's rules and score on a real article's passage, and the shipped check on
its labelled dev set (the figures the README reports)."""

import pytest

from assistant.ask.grounding import Grounding
from assistant.eval import grounding as grounding_eval
from tests.helpers import REPO

PASSAGE = (
    "Many people with whiplash improve noticeably within a few weeks, and a large share "
    "recover within about three months. A minority of people with whiplash have symptoms, "
    "including headache, that last longer than three months. Soft collars are generally not "
    "recommended for whiplash because long periods of immobilisation can slow recovery."
)


@pytest.fixture(scope="module")
def grounding(embeddings):
    return Grounding(embeddings)


@pytest.mark.parametrize(
    "sentence",
    [
        "Many people with whiplash get noticeably better within a few weeks.",
        "A large share of people recover from whiplash within about three months.",
        "Soft collars are generally not recommended, because keeping the neck still for long "
        "can slow recovery.",
    ],
)
def test_a_faithful_paraphrase_is_supported(grounding, sentence):
    assert grounding.check(sentence, PASSAGE).supported


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("A large share recover within about six months.", "number"),
        ("Many people with whiplash improve noticeably within a few days.", "duration"),
        ("Soft collars are generally recommended for whiplash.", "negation"),
        ("A majority of people with whiplash have headaches that last longer.", "opposite"),
        ("Ibuprofen helps people with whiplash improve within a few weeks.", "named"),
        ("Whiplash always clears within about three months.", "certainty"),
    ],
)
def test_a_changed_fact_is_unsupported_by_its_rule(grounding, sentence, rule):
    support = grounding.check(sentence, PASSAGE)
    assert not support.supported and support.reason.startswith(rule), support


def test_an_invented_claim_on_the_topic_is_unsupported(grounding):
    support = grounding.check(
        "Whiplash is best treated with a week of bed rest and a hard collar.", PASSAGE
    )
    assert not support.supported


def test_the_clinic_can_extend_its_word_lists(embeddings, tmp_path):
    first = PASSAGE.split(". ")[0] + "."
    sentence = "Many people with whiplash improve noticeably within a few weeks by walking."
    assert Grounding(embeddings, texts_dir=tmp_path).check(sentence, first).supported
    (tmp_path / "grounding-named.txt").write_text("walking\n", encoding="utf-8")
    support = Grounding(embeddings, texts_dir=tmp_path).check(sentence, first)
    assert support.reason == "named: walking"


def test_the_shipped_check_on_its_dev_set(grounding):
    """The figures of README's grounding section: they change only with the rules or weights."""
    items = grounding_eval.load_items([REPO / "knowledge" / "grounding" / "dev.jsonl"])
    rows = grounding_eval.measure(grounding, items)
    result = grounding_eval.figures(rows, grounding.model)
    assert result["supported_kept"] >= 0.85
    assert result["unsupported_removed"] >= 0.80
