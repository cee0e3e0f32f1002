"""Shared fixtures: the real model once per session, real Chroma in temporary data dirs."""

import shutil
import socket
from pathlib import Path

import pytest

from assistant.offline import go_offline

go_offline()

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "knowledge" / "articles"
CLINIC_ARTICLE = REPO.parent / "shared" / "clinic" / "spinal-issues-and-headache-relief.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# An article none of the shipped ones resembles: tests add it and expect it cited.
SAUNA = (
    "---\ntitle: Saunas and neck tension\ntags: [sauna, heat]\n---\n"
    "## Can a sauna help neck tension?\n"
    "A warm sauna session can relax tight neck and shoulder muscles, which may ease "
    "tension-type headaches for a while. Drink water and leave the sauna if you feel "
    "dizzy or unwell.\n"
)


@pytest.fixture(scope="session")
def embeddings():
    from assistant.embed import load_embeddings

    return load_embeddings()


def make_settings(data_dir: Path, **overrides):
    from assistant.settings import Settings

    return Settings(**{"data_dir": data_dir, "articles_dir": ARTICLES, **overrides})


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "data")


def build_indexer(settings, embeddings):
    from assistant.index import Indexer
    from assistant.split import SplitSettings, Splitter
    from assistant.store import open_store

    splitter = Splitter(
        embeddings.tokenizer,
        SplitSettings(settings.chunk_tokens, settings.chunk_overlap_tokens, embeddings.max_tokens),
    )
    return Indexer(open_store(settings), embeddings, splitter)


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory, embeddings):
    """A data dir holding the index of the project's articles, built once per session."""
    settings = make_settings(tmp_path_factory.mktemp("kb") / "data")
    report = build_indexer(settings, embeddings).sync([ARTICLES], progress=False)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def kb_assistant(kb_settings, embeddings):
    from assistant.assistant import Assistant

    return Assistant(kb_settings, embeddings=embeddings)


@pytest.fixture
def articles_copy(tmp_path):
    """A writable copy of a few of the project's articles."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("whiplash.md", "surgery.md", "physical-therapy.md"):
        shutil.copy(ARTICLES / name, folder / name)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
