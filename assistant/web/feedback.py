"""What visitors asked that the articles could not answer, the replies they disliked, and the
messages that got the emergency reply (for a clinician to review the triage).

A small SQLite file under the data dir. E-mail addresses and phone numbers are masked before a
row is written, so the staff report never holds them; rows older than the retention setting
are deleted.
"""

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

DB_FILE = "feedback.sqlite3"
MAX_CHARS = 4000  # a visitor cannot fill the disk through one message

EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Phone numbers are found by Google's libphonenumber (phonenumbers), trying the regions a
# clinic's visitors most often dial from; a number valid in none of them is still caught below.
PHONE_REGIONS = ("US", "GB", "CA", "AU", "NZ", "IE", "IN", "DE", "FR", "ES", "IT", "NL")
# What is left: a run of 7+ digits with the separators people type (an identifier: an NHS or
# member number, a claim reference, or a phone number in no listed region's format)...
DIGITS = re.compile(r"(?<![\d+])\+?(?:\(?\d[\d\s().\-/]*\d\)?)")
# ...unless it is a date or a span of years, which say nothing about who wrote it.
DATE_OR_YEARS = re.compile(
    r"^\s*(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|(?:19|20)\d\d\s*-\s*(?:19|20)\d\d)\s*$"
)
MIN_IDENTIFIER_DIGITS = 7
COUNTRY_CODE = re.compile(r"\+\d{1,3}[\s.\-]*$")

KINDS = ("no_sources", "thumbs_down", "emergency")


def mask(text: str) -> str:
    """E-mail addresses become [email], phone numbers [phone], and other runs of 7 or more
    digits (identifiers) [number]; dates, years and short numbers stay."""
    import phonenumbers

    text = EMAIL.sub("[email]", text or "")
    found = sorted(
        (m.start, m.end)
        for region in PHONE_REGIONS
        for m in phonenumbers.PhoneNumberMatcher(text, region)
    )
    spans: list[list[int]] = []
    for start, end in found:  # regions may find overlapping parts of one number: the union
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    for start, end in reversed(spans):
        code = COUNTRY_CODE.search(text[:start])  # a "+1 " another region's match left out
        text = text[: code.start() if code else start] + "[phone]" + text[end:]

    def identifier(match: re.Match) -> str:
        value = match.group(0)
        digits = sum(ch.isdigit() for ch in value)
        if digits < MIN_IDENTIFIER_DIGITS or DATE_OR_YEARS.match(value):
            return value
        trailing = value[len(value.rstrip()) :]
        return "[number]" + trailing

    return DIGITS.sub(identifier, text)


@dataclass(frozen=True)
class FeedbackItem:
    at: str  # ISO timestamp, UTC
    kind: str  # "no_sources" | "thumbs_down"
    question: str
    reply: str


class FeedbackLog:
    def __init__(self, data_dir: Path, retention_days: int = 0):
        self.path = Path(data_dir) / DB_FILE
        self.retention_days = retention_days  # 0: keep

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        db.execute(
            "CREATE TABLE IF NOT EXISTS feedback ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " at TEXT NOT NULL, kind TEXT NOT NULL, question TEXT NOT NULL, reply TEXT NOT NULL)"
        )
        return db

    def record(self, kind: str, question: str, reply: str = "") -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown feedback kind {kind!r}")
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            kind,
            mask(str(question or ""))[:MAX_CHARS],
            mask(str(reply or ""))[:MAX_CHARS],
        )
        db = self._connect()
        try:
            with db:
                db.execute("INSERT INTO feedback (at, kind, question, reply) VALUES (?,?,?,?)", row)
        finally:
            db.close()
        self.purge()

    def purge(self, now: datetime | None = None) -> int:
        """Delete rows older than the retention period; returns how many."""
        if self.retention_days <= 0 or not self.path.exists():
            return 0
        cutoff = (now or datetime.now(UTC)) - timedelta(days=self.retention_days)
        db = self._connect()
        try:
            with db:
                cursor = db.execute(
                    "DELETE FROM feedback WHERE at < ?", (cutoff.isoformat(timespec="seconds"),)
                )
        finally:
            db.close()
        return cursor.rowcount

    def recent(self, limit: int = 500, kinds: tuple[str, ...] = KINDS) -> list[FeedbackItem]:
        """Newest first."""
        db = self._connect()
        try:
            marks = ",".join("?" * len(kinds))
            rows = db.execute(
                "SELECT at, kind, question, reply FROM feedback "
                f"WHERE kind IN ({marks}) ORDER BY id DESC LIMIT ?",
                (*kinds, limit),
            ).fetchall()
        finally:
            db.close()
        return [FeedbackItem(*row) for row in rows]
