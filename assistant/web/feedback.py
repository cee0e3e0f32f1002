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
# A run of digits with the separators people type in phone numbers, optionally +country.
PHONE = re.compile(r"(?<![\w+])\+?(?:\(?\d[\d\s().\-/]*\d\)?)")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_PHONE_DIGITS = 7

KINDS = ("no_sources", "thumbs_down", "emergency")


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
