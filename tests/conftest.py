"""Shared fixtures: the real model once per session, real Chroma in temporary data dirs."""

import shutil

import pytest

from assistant.offline import go_offline

from .helpers import ARTICLES, make_settings

go_offline()


@pytest.fixture(scope="session")
def embeddings():
    from assistant.embed import load_embeddings

    return load_embeddings()


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory, embeddings):
    """A data dir holding the index of the project's articles, built once per session."""
    from assistant.ingest import build_indexer

    settings = make_settings(tmp_path_factory.mktemp("kb") / "data")
    report = build_indexer(settings, embeddings).sync([ARTICLES], progress=False)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def kb_assistant(kb_settings, embeddings):
    from assistant.ask.assistant import Assistant

    return Assistant(kb_settings, embeddings=embeddings)


@pytest.fixture
def articles_copy(tmp_path):
    """A writable copy of a few of the project's articles."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("whiplash.md", "surgery.md", "physical-therapy.md"):
        shutil.copy(ARTICLES / name, folder / name)
    return folder


@pytest.fixture
def site():
    """The small clinic website of tests/ingest/site.py, served on loopback."""
    from .ingest.site import Site, build_site, serve

    site = Site()
    server = serve(site)
    build_site(site, slow_s=3.0, huge_bytes=2 * 1024 * 1024)
    yield site
    server.shutdown()
