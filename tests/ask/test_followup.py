"""Follow-ups become standalone queries without a model; history comes in Gradio's shapes."""

from assistant.ask.followup import standalone_query
from assistant.ask.messages import message_text, user_messages

HISTORY = [
    {"role": "user", "content": "Can whiplash cause headaches?"},
    {"role": "assistant", "content": "Yes, headache is common after whiplash [1]."},
]


def test_a_short_question_that_leans_on_the_conversation_borrows_its_topic():
    assert standalone_query("How long does it last?", HISTORY) == (
        "How long does it last? Can whiplash cause headaches?"
    )
    assert standalone_query("and surgery?", HISTORY).endswith("Can whiplash cause headaches?")


def test_a_question_with_its_own_topic_or_no_history_stands_alone():
    question = "What exercises help a stiff neck from sitting at a desk all day long?"
    assert standalone_query(question, HISTORY) == question
    assert standalone_query("How long does it last?", []) == "How long does it last?"
    long = "is it " + "really " * 20 + "bad"
    assert standalone_query(long, HISTORY) == long


def test_the_newest_earlier_user_turn_carries_the_topic():
    history = [*HISTORY, {"role": "user", "content": [{"type": "text", "text": "What about TMJ?"}]}]
    assert standalone_query("is that common?", history) == "is that common? What about TMJ?"


def test_message_shapes_and_junk_in_history():
    assert message_text([{"type": "text", "text": "a"}, {"type": "image"}, "b"]) == "a  b"
    assert message_text(None) == "" and message_text(7) == "7"
    junk = ["text", None, {"role": "user"}, {"role": "user", "content": "ok"}, {"content": "x"}]
    assert user_messages(junk) == ["", "ok"]
    assert user_messages("not a list") == []
    assert user_messages([{"role": "user", "content": str(i)} for i in range(30)], 3) == [
        "27",
        "28",
        "29",
    ]
