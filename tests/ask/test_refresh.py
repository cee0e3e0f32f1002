"""A running assistant answers from articles ingested after it started, by another process."""

import shutil
import subprocess
import sys

from assistant.ask.assistant import Assistant
from assistant.ingest import build_indexer
from tests.helpers import ARTICLES, REPO, SAUNA, make_settings


def test_running_assistant_picks_up_a_new_article(tmp_path, embeddings):
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(ARTICLES / "whiplash.md", folder / "whiplash.md")
    settings = make_settings(tmp_path / "data", articles_dir=folder)
    build_indexer(settings, embeddings).sync([folder], progress=False)
    assistant = Assistant(settings, embeddings=embeddings)
    question = "Can a sauna session ease neck tension headaches?"
    assert (
        assistant.ask(question).kind != "answer"
        or "sauna.md" not in assistant.ask(question).sources
    )

    (folder / "sauna.md").write_text(SAUNA)
    env = {"ASSISTANT_DATA_DIR": str(settings.data_dir), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, str(REPO / "ingest.py"), str(folder), "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr

    reply = assistant.ask(question)  # same process, no restart
    assert reply.kind == "answer"
    assert reply.sources[0] == "sauna.md"
    assert any(c.source == "sauna.md" for c in reply.citations)
