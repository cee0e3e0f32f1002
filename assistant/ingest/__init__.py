"""Ingestion: files -> load (Article) -> split (Chunk) -> embed -> store, and its wiring.

`ingest()` is the one way in for the CLI and the staff console: it takes the data dir's lock and
syncs; `build_indexer()` wires the store, the model and the splitter from settings.
"""

from pathlib import Path

from ..embed import LazyEmbeddings
from ..settings import Settings
from ..store import open_store
from .index import Indexer, SyncReport, ingest_lock
from .split import SplitSettings, Splitter


def build_splitter(settings: Settings, embeddings) -> Splitter:
    return Splitter(
        embeddings.count_tokens,
        SplitSettings(settings.chunk_tokens, settings.chunk_overlap_tokens, embeddings.max_tokens),
    )


def build_indexer(settings: Settings, embeddings=None) -> Indexer:
    """The model loads only when an article needs embedding: an unchanged re-ingest reads
    hashes and never loads it."""
    embeddings = embeddings or LazyEmbeddings(settings.embedding_model, settings.embedding_runtime)
    return Indexer(open_store(settings), embeddings, build_splitter(settings, embeddings))


def ingest(settings: Settings, paths: list[Path], sync: bool, progress: bool = True) -> SyncReport:
    """Take the data dir's lock and sync (sync: also remove articles whose files are gone)."""
    with ingest_lock(settings.data_dir):
        return build_indexer(settings).sync(paths, remove_missing=sync, progress=progress)
