"""Backup and restore of the data dir (the index, visitors' feedback, the staff audit log, the
clinic's texts), safe while the app runs.

Both hold the ingest lock, so no ingest writes meanwhile; SQLite files are copied with SQLite's
own backup API (a consistent copy even while the app writes feedback). A backup carries a
manifest with each file's SHA-256; restore checks every file before it changes anything, swaps
each part in with a rename, keeps what it replaced in the data dir (nothing is lost), and bumps
the index generation so a running app reloads the restored index by itself.
"""

import hashlib
import json
import shutil
import sqlite3
import time
from pathlib import Path

from ..errors import AssistantError
from ..store import GENERATION_FILE, open_fresh
from .index import LOCK_FILE, ingest_lock

MANIFEST = "backup.json"
FORMAT = 1
SKIP = {LOCK_FILE}


def backup(data_dir: Path, target: Path, embedded: bool = True) -> dict:
    data_dir, target = Path(data_dir), Path(target)
    if not embedded:
        raise AssistantError(
            "the index is on a Chroma server: back up the server's --path folder there; "
            "this command copies an embedded index"
        )
    if not (data_dir / "chroma").is_dir():
        raise AssistantError(
            f"{data_dir} holds no index: ingest first, or check ASSISTANT_DATA_DIR"
        )
    if target.exists() and any(target.iterdir()):
        raise AssistantError(f"{target} is not empty: back up into a new or empty folder")
    target.mkdir(parents=True, exist_ok=True)
    with ingest_lock(data_dir):
        files = {}
        for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
            relative = path.relative_to(data_dir)
            if relative.parts[0].startswith(".") or relative.name in SKIP:
                continue  # a restore's kept copies, the lock
            copy = target / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".sqlite3":
                _sqlite_copy(path, copy)
            else:
                shutil.copy2(path, copy)
            files[str(relative)] = _sha256(copy)
        manifest = {
            "format": FORMAT,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "generation": _generation(data_dir),
            "files": files,
        }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def restore(data_dir: Path, source: Path) -> dict:
    data_dir, source = Path(data_dir), Path(source)
    manifest = _checked_manifest(source)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    staging = data_dir / f".restore-{stamp}"
    kept = data_dir / f".replaced-{stamp}"
    with ingest_lock(data_dir):
        before = _generation(data_dir)
        for relative in manifest["files"]:
            copy = staging / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / relative, copy)
        parts = sorted({Path(r).parts[0] for r in manifest["files"]})
        kept.mkdir()
        for part in parts:  # each part swapped in by renames: never half a file
            if (data_dir / part).exists():
                (data_dir / part).replace(kept / part)
            (staging / part).replace(data_dir / part)
        shutil.rmtree(staging, ignore_errors=True)
        generation = max(before, int(manifest["generation"])) + 1
        (data_dir / GENERATION_FILE).write_text(str(generation))
        open_fresh(data_dir).set_info(generation=generation)
    return {"restored": parts, "kept": str(kept), "generation": generation}


def _checked_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise AssistantError(
            f"{source} is not a backup ({MANIFEST} missing or broken: {err})"
        ) from err
    damaged = [
        r
        for r, digest in files.items()
        if not (source / r).is_file() or _sha256(source / r) != digest
    ]
    if damaged:
        raise AssistantError(
            f"the backup in {source} is damaged ({', '.join(damaged[:3])}"
            f"{' ...' if len(damaged) > 3 else ''}): nothing was restored; use another backup"
        )
    return manifest


def _generation(data_dir: Path) -> int:
    try:
        return int((data_dir / GENERATION_FILE).read_text())
    except (OSError, ValueError):
        return 0


def _sqlite_copy(path: Path, copy: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
