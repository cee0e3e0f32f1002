"""The feedback log masks contact details before anything is written."""

import sqlite3

import pytest

from assistant.web.feedback import DB_FILE, FeedbackLog, mask


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jo.smith+neck@mail.co.uk please", "write to [email] please"),
        ("call +1 (555) 123-4567 today", "call [phone] today"),
        ("my mobile is 07700 900123.", "my mobile is [phone]."),
        ("555.123.4567 or 020-7946-0958", "[phone] or [phone]"),
        ("+441234567890", "[phone]"),
    ],
)
def test_mask_hides_emails_and_phone_numbers(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I am 45 and had 2 MRIs in 2020",
        "since 2019-03-04 my neck hurts",
        "it lasts 3-4 hours, 10 times a month",
    ],
)
def test_mask_keeps_ordinary_numbers(text):
    assert mask(text) == text


def test_log_stores_only_masked_text_newest_first(tmp_path):
    log = FeedbackLog(tmp_path / "data")
    log.record("no_sources", "Does a sauna help? mail me at ann@example.org")
    log.record("thumbs_down", "Why? call 555 123 4567", "Some reply [1]")
    items = log.recent()
    assert [i.kind for i in items] == ["thumbs_down", "no_sources"]
    assert items[0].question == "Why? call [phone]" and items[0].reply == "Some reply [1]"
    assert items[1].question == "Does a sauna help? mail me at [email]"
    raw = sqlite3.connect(tmp_path / "data" / DB_FILE).execute("SELECT * FROM feedback").fetchall()
    assert "ann@example.org" not in repr(raw) and "4567" not in repr(raw)


def test_log_refuses_unknown_kinds(tmp_path):
    with pytest.raises(ValueError):
        FeedbackLog(tmp_path).record("anything", "q")


@pytest.mark.parametrize(
    "text",
    [
        "Appointment was 15/03/2024 at 10:30",
        "Headache started 11.06.2023",
        "I worked as a nurse 1998-2004",
        "bp was 190/120 and pain 7/10 at C5-C6, 400mg twice",
    ],
)
def test_mask_keeps_dates_years_and_clinical_numbers(text):
    assert mask(text) == text


def test_mask_hides_other_identifiers():
    masked = mask("NHS number 943 476 5919, member ID 123456789012, claim 2024-00918-77")
    assert not any(ch.isdigit() for ch in masked), masked
    assert masked.endswith("member ID [number], claim [number]")


def test_every_phone_in_the_written_set_is_hidden():
    """160 messages a helper wrote (103 phone numbers in many countries' formats)."""
    import json
    import re

    from tests.helpers import FIXTURES

    items = [json.loads(line) for line in (FIXTURES / "pii-messages.jsonl").open()]
    for item in items:
        shown = re.sub(r"\D", "", mask(item["text"]))
        for phone in item["phones"]:
            assert re.sub(r"\D", "", phone)[-6:] not in shown, (phone, mask(item["text"]))
