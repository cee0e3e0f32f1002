"""Server mode: a real `chroma run` on loopback instead of the embedded store."""

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.ask.assistant import Assistant
from assistant.ingest import build_indexer
from tests.helpers import free_port, make_settings


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen(
        [
            str(chroma),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"},
    )
    deadline = time.monotonic() + 60
    while True:  # poll its heartbeat until it answers
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                break
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "chroma run exited"
        assert time.monotonic() < deadline, "chroma run did not start"
        time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=20)


def test_ingest_and_ask_through_a_chroma_server(tmp_path, chroma_server, articles_copy, embeddings):
    settings = make_settings(tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma_server)
    report = build_indexer(settings, embeddings).sync([articles_copy], progress=False)
    assert len(report.added) == 3 and report.chunks > 10
    assert not (tmp_path / "data" / "chroma").exists()  # nothing stored locally

    assistant = Assistant(settings, embeddings=embeddings)
    reply = assistant.ask("How long does whiplash take to get better after a car accident?")
    assert reply.kind == "answer" and reply.sources[0] == "whiplash.md"

    # Another writer (here: a second indexer) adds an article; the assistant sees it.
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "sauna.md").write_text(
        "# Saunas and neck tension\n\n## Can a sauna help?\nA warm sauna session can relax "
        "tight neck and shoulder muscles, which may ease tension-type headaches for a while.\n"
    )
    build_indexer(settings, embeddings).sync([extra], progress=False)
    assert assistant.ask("Can a sauna ease neck tension headaches?").sources[0] == "sauna.md"
