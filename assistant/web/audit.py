"""What staff did, for the clinic's records: sign-ins (and failed ones), uploads, removals and
re-syncs, each with who, when and what. A SQLite file under the data dir, kept (not purged)."""

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DB_FILE = "audit.sqlite3"
MAX_CHARS = 2000


@dataclass(frozen=True)
class AuditEntry:
    at: str  # ISO timestamp, UTC
    who: str
    action: str
    detail: str


class AuditLog:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / DB_FILE

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        db.execute(
            "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " at TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL)"
        )
        return db

    def record(self, who: str, action: str, detail: str = "") -> None:
        row = (datetime.now(UTC).isoformat(timespec="seconds"), who, action, detail[:MAX_CHARS])
        db = self._connect()
        try:
            with db:
                db.execute("INSERT INTO audit (at, who, action, detail) VALUES (?,?,?,?)", row)
        finally:
            db.close()

    def recent(self, limit: int = 500) -> list[AuditEntry]:
        """Newest first."""
        db = self._connect()
        try:
            rows = db.execute(
                "SELECT at, who, action, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        finally:
            db.close()
        return [AuditEntry(*row) for row in rows]
