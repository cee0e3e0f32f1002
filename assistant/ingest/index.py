"""sync(paths) -> report: bring the index in line with article files.

Write order per article, so that a kill at any point leaves a consistent index: new chunks are
added under ids carrying the new content hash, then the article record is switched to that hash
(the commit point: only chunks matching their record are live), then the old chunks are deleted.
The next sync deletes whatever an interrupted run left behind.
"""

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from ..errors import IndexLockedError, LoadError
from ..store import Store, now_iso
from ..types import Article, ArticleRecord, Chunk, sentences_of
from .fetch import Fetcher
from .load import find_article_files, load_article
from .pages import NotModified, WebPage, is_url
from .sitemap import WebSources
from .split import Splitter

LOCK_FILE = "ingest.lock"
BATCH_ARTICLES = 32  # articles embedded together: fewer, fuller model batches
# What the index holds: 2 added a vector per sentence and per heading. An index of another
# schema is rebuilt by the next ingest, never misread.
SCHEMA_VERSION = 2


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    chunks: int = 0
    rebuilt: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt)

    def to_json(self) -> dict:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
            "chunks": self.chunks,
            "failed": [{"source": s, "reason": r} for s, r in self.failed],
        }


@contextlib.contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    """One writer at a time on the data dir (embedded Chroma allows no concurrent writers)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except Timeout as err:
        raise IndexLockedError(
            f"another ingest is running on {data_dir} (lock: {data_dir / LOCK_FILE}): "
            "wait for it to finish, then run this again"
        ) from err
    try:
        yield
    finally:
        lock.release()


class ArticleFile:
    """One article file to ingest; its source is its path relative to root."""

    def __init__(self, file: Path, root: Path):
        self.file = file
        self.root = root
        self.name = file.relative_to(root).as_posix()
        self.key = f"{root}\x00{self.name}"

    def load(self, records: dict[str, ArticleRecord]) -> Article:
        return load_article(self.file, self.root)


class Indexer:
    def __init__(
        self,
        store: Store,
        embeddings,
        splitter: Splitter,
        fetcher: Callable[[], Fetcher],
    ):
        self.store = store
        self.embeddings = embeddings
        self.splitter = splitter
        self.fetcher = fetcher  # made only when pages must be fetched (a rebuild re-fetches them)

    def build_signature(self) -> dict:
        """What built the index; known without loading the model."""
        return {
            "model": self.embeddings.name,
            "splitter": self.splitter.settings.describe(),
            "schema": SCHEMA_VERSION,
        }

    def sync(
        self,
        paths: list[Path],
        remove_missing: bool = False,
        progress: bool | Callable[[int, int, str], None] = True,
        web: "WebSources | None" = None,
    ) -> SyncReport:
        """Add or update the articles under paths and the pages of `web`; remove_missing also
        drops vanished files and pages gone from their sitemap. progress: a bar on stderr, or
        a callback (done, total, name)."""
        report = SyncReport()
        records = self.store.article_records()
        paths = [Path(p).resolve() for p in paths]
        refetch: list[ArticleRecord] = []

        if records and self._signature_changed():
            # Different model or splitting: old vectors must not mix with new ones.
            report.rebuilt = True
            paths += [
                Path(r.folder) / r.source
                for r in records.values()
                if not is_url(r.source) and (Path(r.folder) / r.source).is_file()
            ]
            refetch = [r for r in records.values() if is_url(r.source)]
            self.store.reset()
            records = {}

        self.store.delete_stale(records)  # repair what an interrupted run left

        candidates, seen_files = self._file_candidates(paths, report)
        listed: dict[str, set[str]] = {}
        own_fetcher = self.fetcher() if refetch and not web else None  # a rebuild's, closed below
        if web or refetch:
            web = web or WebSources(own_fetcher)
            pages, listed = web.collect(report)
            refetched = [WebPage(r.page_url or r.source, r.folder, web.fetcher) for r in refetch]
            candidates += pages + refetched

        claimed: dict[str, str] = {}  # source -> folder, for files planned but not yet committed
        try:
            for batch in _batches(_progress(candidates, progress), BATCH_ARTICLES):
                planned = [p for c in batch if (p := self._plan(c, records, claimed, report))]
                self._write(planned, records, report)
        finally:
            if own_fetcher:
                own_fetcher.close()

        to_remove: set[str] = set()
        if remove_missing:
            for folder in (p for p in paths if p.is_dir()):
                for record in records.values():
                    key = f"{folder}\x00{record.source}"
                    if record.folder == str(folder) and key not in seen_files:
                        to_remove.add(record.source)
            for sitemap, urls in listed.items():
                for record in records.values():
                    if record.folder == sitemap and (record.page_url or record.source) not in urls:
                        to_remove.add(record.source)
        for source in sorted(to_remove):
            if source in records:
                self.remove(source, records)
                report.removed.append(source)

        if report.changed:
            self.store.keep_headings(self.store.live_headings(records))
        if report.changed or not self.store.info():
            self.store.set_info(**self.build_signature())
            self.store.bump_generation()
        report.chunks = self.store.count_chunks()
        return report

    @staticmethod
    def _file_candidates(paths: list[Path], report: SyncReport) -> tuple[list, set[str]]:
        files: dict[str, ArticleFile] = {}
        for path in paths:
            try:
                for file, root in find_article_files(path):
                    candidate = ArticleFile(file, root)
                    files.setdefault(candidate.key, candidate)
            except LoadError as err:
                report.failed.append((str(path), str(err)))
        return list(files.values()), set(files)

    def remove_sources(self, sources: list[str]) -> SyncReport:
        report = SyncReport()
        records = self.store.article_records()
        for source in sources:
            if source in records:
                self.remove(source, records)
                report.removed.append(source)
        if report.changed:
            self.store.keep_headings(self.store.live_headings(records))
            self.store.bump_generation()
        report.chunks = self.store.count_chunks()
        return report

    def remove(self, source: str, records: dict[str, ArticleRecord]) -> None:
        record = records.pop(source)
        self.store.forget_article(source)  # commit point: its chunks stop being live
        self.store.delete_version(source, record.content_hash, record.chunks)

    def embed(self, chunks: list[Chunk]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each chunk's vector, and a vector per sentence of each chunk (batched together)."""
        if not chunks:
            return np.zeros((0, 1), np.float32), []
        sentences = [sentences_of(c.text) for c in chunks]
        flat = [s for group in sentences for s in group]
        vectors = self.embeddings.encode([c.embedded_text for c in chunks])
        # A sentence in two chunks' overlap (or repeated across articles) is embedded once.
        unique = list(dict.fromkeys(flat))
        unique_vectors = (
            np.asarray(self.embeddings.encode(unique), np.float32)
            if unique
            else np.zeros((0, vectors.shape[1]), np.float32)
        )
        row = {sentence: i for i, sentence in enumerate(unique)}
        flat_vectors = unique_vectors[[row[s] for s in flat]] if flat else unique_vectors
        split_at = np.cumsum([len(group) for group in sentences])[:-1]
        return vectors, np.split(flat_vectors, split_at)

    def add_headings(self, chunks: list[Chunk]) -> None:
        names = sorted({name for c in chunks for name in c.headings})
        missing = [n for n in names if n not in self.store.heading_vectors(names)]
        if missing:
            self.store.add_headings(missing, self.embeddings.encode(missing))

    def _signature_changed(self) -> bool:
        info = self.store.info()
        return any(str(info.get(k)) != str(v) for k, v in self.build_signature().items())

    def _plan(
        self,
        candidate: "ArticleFile | WebPage",
        records: dict[str, ArticleRecord],
        claimed: dict[str, str],
        report: SyncReport,
    ) -> tuple[str, Article, ArticleRecord | None] | None:
        """(source, article, its old record) when the candidate needs embedding; otherwise the
        report says why not (failed, or unchanged)."""
        try:
            article = candidate.load(records)
        except LoadError as err:
            report.failed.append((candidate.name, str(err)))
            return None
        if isinstance(article, NotModified):
            old = records[article.source]
            if old.folder != article.folder:  # now listed by another sitemap
                records[old.source] = replace(old, folder=article.folder)
                self.store.commit_article(records[old.source])
            report.unchanged.append(article.source)
            return None
        source = article.source
        old = records.get(source)
        if is_url(source):
            if source in claimed:
                return None  # the same page listed twice (two addresses, one canonical URL)
        else:
            taken_from = old.folder if old else claimed.get(source)
            if taken_from and taken_from != article.folder:
                report.failed.append(
                    (
                        source,
                        (
                            f"an article named '{source}' was already ingested from "
                            f"{taken_from}: rename this file, or remove the other article first"
                        ),
                    )
                )
                return None
        claimed[source] = article.folder
        if old and old.content_hash == article.content_hash:
            self._keep_page_details(old, article, records)
            report.unchanged.append(source)
            return None
        return source, article, old

    def _keep_page_details(self, old: ArticleRecord, article: Article, records) -> None:
        """Same content, new validators or sitemap: record them (nothing is re-embedded), so
        the next sync can ask the site with them."""
        new = replace(
            old,
            folder=article.folder,
            etag=article.etag,
            last_modified=article.last_modified,
            page_url=article.page_url,
        )
        if new != old:
            self.store.commit_article(new)
            records[old.source] = new

    def _write(self, planned: list, records: dict[str, ArticleRecord], report: SyncReport) -> None:
        """Embed a batch of articles together (fuller model batches), then write them in the
        crash-safe order: all their chunks and sentences, their records (the commit point),
        and only then the old versions' deletion."""
        split = [self.splitter.split(article) for _, article, _ in planned]
        everything = [c for chunks in split for c in chunks]
        vectors, sentence_vectors = self.embed(everything)
        self.add_headings(everything)
        versions, start = [], 0
        for (_, article, _), chunks in zip(planned, split, strict=True):
            end = start + len(chunks)
            versions.append(
                (
                    chunks,
                    vectors[start:end],
                    article.content_hash,
                    article.url,
                    sentence_vectors[start:end],
                )
            )
            start = end
        self.store.add_versions(versions)
        new_records = [
            self._record(source, article, len(chunks))
            for (source, article, _), chunks in zip(planned, split, strict=True)
        ]
        self.store.commit_articles(new_records)
        for (source, _, old), record in zip(planned, new_records, strict=True):
            records[source] = record
            if old:
                self.store.delete_version(source, old.content_hash, old.chunks)
                report.updated.append(source)
            else:
                report.added.append(source)

    @staticmethod
    def _record(source: str, article: Article, chunks: int) -> ArticleRecord:
        return ArticleRecord(
            source=source,
            folder=article.folder,
            title=article.title,
            content_hash=article.content_hash,
            chunks=chunks,
            ingested_at=now_iso(),
            url=article.url,
            reviewed=article.reviewed,
            tags=article.tags,
            etag=article.etag,
            last_modified=article.last_modified,
            page_url=article.page_url,
        )


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _progress(items: list, progress):
    if progress is False:
        return items
    if callable(progress):
        return _reporting(items, progress)
    from tqdm import tqdm

    return tqdm(items, desc="Ingesting", unit="article", file=sys.stderr, leave=False)


def _reporting(items: list, callback: Callable[[int, int, str], None]):
    for done, item in enumerate(items):
        callback(done, len(items), item.name)
        yield item
    callback(len(items), len(items), "")
