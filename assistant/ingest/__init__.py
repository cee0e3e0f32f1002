"""Ingestion: files and web pages -> load (Article) -> split (Chunk) -> embed -> store.

`ingest()` is the one way in for the CLI and the staff console: it takes the data dir's lock and
syncs; `build_indexer()` wires the store, the model, the splitter and the fetcher from settings.
"""

from pathlib import Path

from ..embed import LazyEmbeddings
from ..settings import Settings
from ..store import open_store
from .fetch import Fetcher, HostPolicy
from .index import Indexer, SyncReport, ingest_lock
from .sitemap import WebSources
from .split import SplitSettings, Splitter


def build_splitter(settings: Settings, embeddings) -> Splitter:
    return Splitter(
        embeddings.count_tokens,
        SplitSettings(settings.chunk_tokens, settings.chunk_overlap_tokens, embeddings.max_tokens),
    )


def build_fetcher(settings: Settings, policy: HostPolicy | None = None) -> Fetcher:
    """policy None: any host (the operator's command line); the console passes its own."""
    return Fetcher(
        policy or HostPolicy.anywhere(),
        user_agent=settings.fetch_user_agent,
        timeout_s=settings.fetch_timeout_s,
        max_bytes=settings.fetch_max_mb * 1024 * 1024,
        delay_s=settings.fetch_delay_s,
    )


def build_indexer(settings: Settings, embeddings=None) -> Indexer:
    """The model loads only when an article needs embedding: an unchanged re-ingest reads
    hashes and never loads it."""
    embeddings = embeddings or LazyEmbeddings(settings.embedding_model, settings.embedding_runtime)
    return Indexer(
        open_store(settings),
        embeddings,
        build_splitter(settings, embeddings),
        fetcher=lambda: build_fetcher(settings),
    )


def ingest(
    settings: Settings,
    paths: list[Path],
    sync: bool,
    progress=True,
    urls: list[str] = (),
    sitemaps: list[str] = (),
    policy: HostPolicy | None = None,
) -> SyncReport:
    """Take the data dir's lock and sync (sync: also remove articles whose files are gone, and
    pages gone from their sitemap). urls and sitemaps are fetched under `policy`."""
    with ingest_lock(settings.data_dir):
        web = None
        if urls or sitemaps:
            web = WebSources(build_fetcher(settings, policy), list(urls), list(sitemaps))
        try:
            return build_indexer(settings).sync(
                paths, remove_missing=sync, progress=progress, web=web
            )
        finally:
            if web:
                web.fetcher.close()


def remove_articles(settings: Settings, sources: list[str]) -> SyncReport:
    """Take the lock and drop these articles from the index (a web page has no file to
    delete; the next sync of its sitemap brings it back if the sitemap still lists it)."""
    with ingest_lock(settings.data_dir):
        return build_indexer(settings).remove_sources(sources)
