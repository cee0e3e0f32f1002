"""A question about how to book gets the clinic's booking line first, then the quoted answer."""

import pytest

from assistant.ask.booking import asks_how_to_book
from assistant.texts import render


@pytest.mark.parametrize(
    "question",
    [
        "How do I book a consultation with you?",
        "how do i book in with you guys",
        "can I make an appointment for saturday?",
        "Do I need a GP referral to book with you?",
        "I'd like to schedule a first session please",
    ],
)
def test_asks_how_to_book(question):
    assert asks_how_to_book(question)


@pytest.mark.parametrize(
    "question",
    [
        "I've got a neck injection booked for next week, anything I should sort out?",
        "is there a good book about posture?",
        "can a chiropractor give you a stroke? bit scared to book in",
        "was going to book a consult, but what causes neck headaches anyway?",
        "What happens at a first consultation?",
    ],
)
def test_does_not_ask_how_to_book(question):
    assert not asks_how_to_book(question)


def test_the_booking_line_leads_the_answer_and_the_clinic_can_reword_it(kb_assistant, kb_settings):
    line = render("booking.md", kb_settings)
    assert kb_settings.booking_url in line
    reply = kb_assistant.ask("How do I book a consultation with you?")
    assert reply.kind == "answer" and reply.citations  # the quoted answer is still there
    assert reply.text.startswith(line + "\n\n")
    other = kb_assistant.ask("What happens at a first consultation?")
    assert other.kind == "answer" and line not in other.text

    kb_settings.texts_dir.mkdir(parents=True, exist_ok=True)
    clinic_copy = kb_settings.texts_dir / "booking.md"
    clinic_copy.write_text("Ring us on 0100 000 000 to book ({clinic_name}).", encoding="utf-8")
    try:
        reply = kb_assistant.ask("how do I book an appointment?")
        reworded = f"Ring us on 0100 000 000 to book ({kb_settings.clinic_name})."
        assert reply.text.startswith(reworded)
    finally:
        clinic_copy.unlink()
