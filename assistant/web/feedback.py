"""What visitors asked that the articles could not answer, and the replies they disliked.

A small SQLite file under the data dir. E-mail addresses and phone numbers are masked before a
row is written, so the staff report never holds them.
"""

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DB_FILE = "feedback.sqlite3"
MAX_CHARS = 4000  # a visitor cannot fill the disk through one message

EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators people type in phone numbers, optionally +country.
PHONE = re.compile(r"(?<![\w+])\+?(?:\(?\d[\d\s().\-/]*\d\)?)")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_PHONE_DIGITS = 7

KINDS = ("no_sources", "thumbs_down")


def mask(text: str) -> str:
    """Replace e-mail addresses with [email] and phone numbers (7+ digits) with [phone]."""
    text = EMAIL.sub("[email]", text or "")

    def phone(match: re.Match) -> str:
        value = match.group(0)
        digits = sum(ch.isdigit() for ch in value)
        if digits < MIN_PHONE_DIGITS or ISO_DATE.match(value.strip()):
            return value
        trailing = value[len(value.rstrip()) :]
        return "[phone]" + trailing

    return PHONE.sub(phone, text)


@dataclass(frozen=True)
class FeedbackItem:
    at: str  # ISO timestamp, UTC
    kind: str  # "no_sources" | "thumbs_down"
    question: str
    reply: str


class FeedbackLog:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / DB_FILE

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

    def recent(self, limit: int = 500) -> list[FeedbackItem]:
        """Newest first."""
        db = self._connect()
        try:
            rows = db.execute(
                "SELECT at, kind, question, reply FROM feedback ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        finally:
            db.close()
        return [FeedbackItem(*row) for row in rows]
