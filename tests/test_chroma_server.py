"""Server mode: a real `chroma run` on loopback instead of the embedded store."""

import pytest

from assistant.ask.assistant import Assistant
from assistant.ingest import build_indexer
from tests.helpers import free_port, make_settings, start_chroma


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    process = start_chroma(tmp_path / "server", port)
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
