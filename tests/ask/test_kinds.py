"""What a question asks for: its kind of answer, its worry, and a comparison's two sides."""

from pathlib import Path

import pytest

from assistant.ask.kinds import AnswerKinds, comparison_sides
from assistant.errors import AssistantError

EVALSETS = Path(__file__).resolve().parents[2] / "knowledge" / "evalsets"


@pytest.fixture(scope="module")
def kinds():
    return AnswerKinds.load()


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What is occipital neuralgia?", "definition"),
        ("what causes cervicogenic headache", "causes"),
        ("How long does whiplash take to heal?", "prognosis"),
        ("How is cervicogenic headache diagnosed? do I need an MRI", "diagnosis"),
        ("what should I bring to my first appointment?", "practical"),
        ("is it safe to have my neck cracked", "risks"),
        ("when should I see a doctor about a headache?", "when_to_worry"),
        ("what pillow is best for neck pain", "self_care"),
        ("heat or ice for a stiff neck?", "comparison"),
    ],
)
def test_the_main_kind_of_answer_wanted(kinds, question, kind):
    assert kinds.classify(question).main == kind


def test_the_quick_main_kind_is_the_full_readings_main_kind(kinds):
    """main_kind stops at the first kind that matches; on every question of the evaluation
    sets (and a comparison without two sides) it says what classify says."""
    from assistant.eval.questions import load_questions

    questions = [q["question"] for q in load_questions(sorted(EVALSETS.glob("*.jsonl")))]
    questions += ["which one helps?", "heat or ice for a stiff neck?", "occipital nerves"]
    assert len(questions) > 300
    for question in questions:
        assert kinds.main_kind(question) == kinds.classify(question).main, question


def test_a_question_without_cues_has_no_kind_and_keeps_its_focus(kinds):
    asked = kinds.classify("occipital nerves")
    assert asked.kinds == () and asked.focus == kinds.focus_of("occipital nerves")
    assert "occipit" in asked.focus


def test_the_worry_behind_a_question(kinds):
    assert "stroke" in kinds.classify("can a chiropractor give me a stroke?").worries
    assert "surgery" in kinds.classify("will I end up needing an operation?").worries
    assert kinds.classify("what is whiplash").worries == ()


@pytest.mark.parametrize(
    ("question", "sides"),
    [
        (
            "whats the difference between a bulging disc and a herniated disc?",
            ("bulging disc", "herniated disc"),
        ),
        ("physio or chiropractor, which is better?", ("physio", "chiropractor")),
        ("is spinal fusion better than disc replacement", ("spinal fusion", "disc replacement")),
        (
            "how is migraine different from cervicogenic headache",
            ("migraine", "cervicogenic headache"),
        ),
    ],
)
def test_a_comparison_names_its_two_sides(question, sides):
    assert comparison_sides(question.lower()) == sides


def test_a_choice_without_two_sides_is_not_a_comparison(kinds):
    assert comparison_sides("which exercises help") is None
    assert "comparison" not in kinds.classify("which one helps?").kinds


def test_a_broken_copy_of_the_cues_names_the_file(tmp_path):
    (tmp_path / "answer-kinds.toml").write_text(
        'order = ["causes"]\n[kinds.causes]\nquestion = ["("]\n'
    )
    with pytest.raises(AssistantError, match="answer-kinds.toml"):
        AnswerKinds.load(tmp_path)
