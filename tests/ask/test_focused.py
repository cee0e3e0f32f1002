"""The focused answer style: sentences chosen by the fitted score, on the project's articles."""

import copy
import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from assistant.ask.cite import MARKER as MARKERS
from assistant.ask.cite import citations_valid
from assistant.ask.sentence_fit import FEATURES, SentenceFit
from assistant.errors import AssistantError
from assistant.types import sentences_of


@pytest.fixture(scope="session")
def focused(kb_settings, embeddings):
    from assistant.ask.assistant import Assistant

    return Assistant(
        kb_settings.model_copy(update={"answer_style": "focused"}), embeddings=embeddings
    )


def quoted(reply) -> list[str]:
    return sentences_of(MARKERS.sub("", reply.text))


def test_the_first_sentence_is_the_likeliest_and_the_rest_clear_the_bar(focused):
    answerer, fit = focused.answerer, focused.answerer.fit
    for question in (
        "How long does whiplash take to heal?",
        "What is occipital neuralgia?",
        "is it safe to crack my own neck?",
    ):
        retrieval = focused.retriever.search(question)
        asked, sections = answerer.prepare(question, retrieval.query_vector, retrieval.passages)
        units, x = answerer.fit_candidates(sections, asked)
        likely = {u.text: p for u, p in zip(units, fit.probabilities(x), strict=True)}
        reply = focused.ask(question)
        said = quoted(reply)
        assert said[0] == max(likely, key=likely.get), question
        keep, ratio = fit.thresholds(asked.main)
        for sentence in said[1:]:
            assert likely[sentence] >= max(keep, ratio * likely[said[0]]), (question, sentence)
        assert len(said) <= fit.max_sentences
        assert citations_valid(reply.text, list(reply.citations), set(reply.sources))


def test_a_comparison_quotes_both_sides_even_in_the_visitors_words(focused):
    # "chiro" and "physio" are the visitor's words; the articles say chiropractic and physical
    # therapy (the lexicon), and each side comes from its own article.
    reply = focused.ask("chiro or physio for neck headaches, which one is better")
    assert {"physical-therapy.md", "chiropractic-care.md"} <= {c.source for c in reply.citations}


def test_a_side_is_named_by_what_sets_it_apart_not_by_the_words_both_share(focused):
    # Both sides are discs, and the section's heading names both: only a sentence that itself
    # speaks of bulging names the first side.
    question = "whats the difference between a bulging disc and a herniated disc?"
    said = quoted(focused.ask(question))
    assert any("bulg" in s.lower() for s in said), said
    assert any("herniat" in s.lower() for s in said), said


def test_a_sentence_that_sets_the_sides_apart_is_quoted(focused):
    question = "is occipital neuralgia the same as a cervicogenic headache?"
    retrieval = focused.retriever.search(question)
    answerer = focused.answerer
    asked, sections = answerer.prepare(question, retrieval.query_vector, retrieval.passages)
    units, x = answerer.fit_candidates(sections, asked)
    likely = answerer.fit.probabilities(x)
    ranked = [units[i] for i in np.argsort(-likely, kind="stable")]
    sides = answerer._side_stems(asked)
    contrasts = [u.text for u in ranked[:6] if answerer._contrasts(u, sides)]
    assert contrasts, "no comparing sentence among the likeliest: the test needs another question"
    assert contrasts[0] in quoted(focused.ask(question))


def test_a_question_about_warning_signs_gets_the_signs(focused):
    reply = focused.ask("after a car accident, which symptoms mean I should go to the ER?")
    assert any(
        "emergency" in s.lower() and ("weakness" in s or "vomiting" in s) for s in quoted(reply)
    ), reply.text


def test_a_list_question_takes_more_of_the_likely_sentences(focused):
    question = "what can I do at home to stop neck headaches?"
    retrieval = focused.retriever.search(question)
    answerer = copy.copy(focused.answerer)  # the session's own answerer stays as shipped

    def sentences_with(list_keep: float) -> int:
        answerer.fit = replace(focused.answerer.fit, list_keep=list_keep, list_ratio=0.0)
        draft = answerer.answer(question, retrieval.query_vector, list(retrieval.passages))
        return len(sentences_of(MARKERS.sub("", draft.text)))

    assert "self_care" in answerer.fit.list_kinds
    assert sentences_with(0.01) > sentences_with(0.99) == 1


def test_a_broken_copy_of_the_fit_names_the_file(tmp_path):
    (tmp_path / "answer-fit.toml").write_text("[choose]\nkeep = 0.5\n", encoding="utf-8")
    with pytest.raises(AssistantError, match="answer-fit.toml"):
        SentenceFit.load(tmp_path)


def test_the_shipped_fit_has_a_weight_for_every_feature():
    fit = SentenceFit.load()
    assert fit.weights.shape == (len(FEATURES),) and np.isfinite(fit.weights).all()
    assert 0 < fit.list_keep <= fit.keep < 1


def test_the_sentences_command_scores_labelled_sentences(tmp_path, kb_settings, capsys):
    """`python -m assistant sentences FILE`: the shipped score's figures on labelled items."""
    from assistant.cli import main

    items = [
        {
            "id": "t-1",
            "question": "How long does whiplash take to heal?",
            "sentences": [
                {
                    "text": "Many people with whiplash improve noticeably within a few weeks, "
                    "and a large share recover within about three months.",
                    "label": 2,
                }
            ],
        },
        {
            "id": "t-2",
            "question": "What is occipital neuralgia?",
            "sentences": [{"text": "Whiplash is a neck injury.", "label": 0}],
        },
    ]
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("\n".join(json.dumps(i) for i in items) + "\n", encoding="utf-8")
    out = tmp_path / "out.json"
    code = main(["sentences", str(labelled), "--shared", str(tmp_path), "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    # the second item's sentence is no candidate for its question: nothing to match it to
    assert result["questions"] == 2 and result["labelled_sentences"] == 1
    # the whiplash answer leads with its labelled answer; nothing in the second was labelled 2
    assert result["leads_with_answer"] == 0.5
    assert "the first sentence answers" in capsys.readouterr().out


def test_a_label_outside_0_to_2_is_refused_with_its_line(tmp_path):
    from assistant.eval.sentences import load_items

    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"id": "x", "question": "q?", "sentences": [{"text": "t", "label": 3}]}) + "\n"
    )
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        load_items([bad])


FEATURES_UNDER_A_SEED = """
import sys
from assistant.ask.sentence_fit import Candidate, features
# Stems that tie on rarity: which one is "rarest" must not depend on a set's order.
stems = frozenset(["neck", "pain", "disc", "nerve", "arm", "tingl"])
def candidate(words):
    return Candidate(frozenset(words), frozenset(), 0.5, 0.5, 0.0, 0.0, False, 0, 0, 0, 1,
                     False, 10)
rows = [candidate(["neck", "pain"]), candidate(["disc", "nerve"]), candidate(["arm", "tingl"])]
sys.stdout.write(features(rows, stems).tobytes().hex())
"""


def test_the_fit_reads_the_same_features_whatever_the_hash_seed():
    """A set's order changes with each process's hash seed; the figures must not."""
    outputs = {
        subprocess.run(
            [sys.executable, "-c", FEATURES_UNDER_A_SEED],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(3)
    }
    assert len(outputs) == 1
