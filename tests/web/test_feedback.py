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
