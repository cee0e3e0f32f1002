"""Backup and restore of the data dir while an Assistant holds the index open."""

import shutil
import subprocess
import sys

import pytest

from assistant.errors import AssistantError
from assistant.ingest import build_indexer
from assistant.ingest.backup import backup, restore
from assistant.web.feedback import FeedbackLog
from tests.helpers import REPO


def test_a_backup_taken_and_restored_while_the_app_runs(
    settings, articles_copy, embeddings, tmp_path
):
    from assistant.ask.assistant import Assistant

    build_indexer(settings, embeddings).sync([articles_copy], progress=False)
    FeedbackLog(settings.data_dir).record("no_sources", "kept question")
    assistant = Assistant(settings, embeddings=embeddings)
    before = set(assistant.retriever.records)
    manifest = backup(settings.data_dir, tmp_path / "backup")
    assert any(name.endswith("chroma.sqlite3") for name in manifest["files"])

    # the clinic then loses an article and its feedback...
    removed = sorted(articles_copy.glob("*.md"))[0]
    removed.unlink()
    build_indexer(settings, embeddings).sync([articles_copy], remove_missing=True, progress=False)
    (settings.data_dir / "feedback.sqlite3").unlink()
    assert assistant.refresh_if_changed() and removed.name not in assistant.retriever.records

    # ...and restores: the running assistant reloads the old index by itself
    done = restore(settings.data_dir, tmp_path / "backup")
    assert assistant.refresh_if_changed()
    assert set(assistant.retriever.records) == before
    assert assistant.ask("How long does whiplash take to heal?").kind == "answer"
    assert [i.question for i in FeedbackLog(settings.data_dir).recent()] == ["kept question"]
    assert done["restored"] == ["chroma", "feedback.sqlite3", "index-generation"]
    assert (tmp_path / "backup" / "backup.json").is_file()
    assert any((settings.data_dir).glob(".replaced-*/chroma"))  # what it replaced is kept


def test_a_damaged_backup_is_refused_and_nothing_changes(
    settings, articles_copy, embeddings, tmp_path
):
    build_indexer(settings, embeddings).sync([articles_copy], progress=False)
    backup(settings.data_dir, tmp_path / "backup")
    sqlite = next((tmp_path / "backup").rglob("chroma.sqlite3"))
    sqlite.write_bytes(sqlite.read_bytes()[:-100])
    listing = sorted(p.name for p in settings.data_dir.iterdir())
    with pytest.raises(AssistantError, match="damaged"):
        restore(settings.data_dir, tmp_path / "backup")
    assert sorted(p.name for p in settings.data_dir.iterdir()) == listing
    with pytest.raises(AssistantError, match="not empty"):
        backup(settings.data_dir, tmp_path / "backup")


def test_backup_and_restore_from_the_command_line(settings, articles_copy, embeddings, tmp_path):
    build_indexer(settings, embeddings).sync([articles_copy], progress=False)
    env = {"ASSISTANT_DATA_DIR": str(settings.data_dir), "PATH": "/usr/bin:/bin"}
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "assistant", *a], cwd=REPO, env=env, capture_output=True, text=True
    )
    done = run("backup", str(tmp_path / "b"))
    assert done.returncode == 0 and "Backed up" in done.stdout, done.stderr
    shutil.rmtree(settings.data_dir / "chroma")
    done = run("restore", str(tmp_path / "b"))
    assert done.returncode == 0 and "Restored chroma" in done.stdout, done.stderr
    bad = run("restore", str(tmp_path / "nothing-here"))
    assert bad.returncode == 1 and "is not a backup" in bad.stderr
