"""Chroma, embedded or server, behind the few calls the index and retrieval need.

Collections: `chunks` (vectors and passages), `sentences` (a vector for every sentence of every
chunk, so the answer needs no model call), `headings` (a vector for every title and section
heading, keyed by its text), `articles` (one record per article: the commit point of its chunks;
a chunk or sentence whose content hash differs from its article's record is not live) and
`index-info` (what built the index, its schema version, and the generation counter).
"""

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import StoreError
from .types import ArticleRecord, Chunk, chunk_ids, sentence_id

CHUNKS, SENTENCES, HEADINGS, ARTICLES, INFO = (
    "chunks",
    "sentences",
    "headings",
    "articles",
    "index-info",
)
INFO_ID = "info"
GENERATION_FILE = "index-generation"
PAGE = 5000  # Chroma caps how many records one call returns


def chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


class ChunkStore(Protocol):
    """What retrieval and the Assistant read from the index (Store is the Chroma one)."""

    def article_records(self) -> dict[str, ArticleRecord]: ...

    def live_chunks(self, records: dict[str, ArticleRecord]) -> tuple[list[Chunk], np.ndarray]: ...

    def generation(self) -> int: ...

    def reopen(self) -> None: ...

    def nearest_chunk_ids(self, vector, k: int) -> list[str]: ...


class Store:
    def __init__(self, data_dir: Path, chroma_host: str | None = None, chroma_port: int = 8000):
        self.data_dir = Path(data_dir)
        self.chroma_host = chroma_host
        self.chroma_port = chroma_port
        self._open()

    @property
    def embedded(self) -> bool:
        return not self.chroma_host

    def _open(self) -> None:
        import chromadb

        try:
            if self.embedded:
                self.data_dir.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(
                    path=str(self.data_dir / "chroma"), settings=chroma_settings()
                )
            else:
                self.client = chromadb.HttpClient(
                    host=self.chroma_host, port=self.chroma_port, settings=chroma_settings()
                )
            # Never let Chroma embed: it would download a model. We always pass vectors.
            self.chunks = self.client.get_or_create_collection(
                CHUNKS, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            self.sentences = self.client.get_or_create_collection(
                SENTENCES, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            self.headings = self.client.get_or_create_collection(
                HEADINGS, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            self.articles = self.client.get_or_create_collection(ARTICLES, embedding_function=None)
            self.info_col = self.client.get_or_create_collection(INFO, embedding_function=None)
        except Exception as err:  # chromadb raises many types; all mean "cannot use the store"
            where = self.data_dir if self.embedded else f"{self.chroma_host}:{self.chroma_port}"
            raise StoreError(
                f"cannot open the Chroma store at {where} ({err}): "
                "check ASSISTANT_DATA_DIR or that the Chroma server is running"
            ) from err

    def reopen(self) -> None:
        """See another process's writes: an embedded client caches its index in memory."""
        if self.embedded:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        self._open()

    # --- index info and generation -------------------------------------------------------

    def info(self) -> dict:
        got = self.info_col.get(ids=[INFO_ID], include=["metadatas"])
        return dict(got["metadatas"][0]) if got["ids"] else {}

    def set_info(self, **values) -> None:
        merged = {**self.info(), **values}
        self.info_col.upsert(ids=[INFO_ID], embeddings=[[0.0]], metadatas=[merged])

    def generation(self) -> int:
        """Changes whenever an ingest changed the index; readers reload when it does."""
        if self.embedded:
            marker = self.data_dir / GENERATION_FILE
            try:
                return int(marker.read_text())
            except (OSError, ValueError):
                return 0
        return int(self.info().get("generation", 0))

    def bump_generation(self) -> int:
        generation = max(self.generation(), int(self.info().get("generation", 0))) + 1
        self.set_info(generation=generation)
        if self.embedded:
            marker = self.data_dir / GENERATION_FILE
            tmp = marker.with_suffix(".tmp")
            tmp.write_text(str(generation))
            tmp.replace(marker)  # atomic: a reader never sees half a number
        return generation

    # --- articles -------------------------------------------------------------------------

    def article_records(self) -> dict[str, ArticleRecord]:
        records = {}
        for ids, metas in self._pages(self.articles, ["metadatas"]):
            for source, meta in zip(ids, metas, strict=True):
                values = dict(meta)
                values["tags"] = tuple(json.loads(values.get("tags", "[]")))
                values["url"] = values.get("url") or None
                for key in ("reviewed", "etag", "last_modified", "page_url"):
                    values[key] = values.get(key) or None
                records[source] = ArticleRecord(
                    source=source,
                    **{k: v for k, v in values.items() if k in ArticleRecord.__dataclass_fields__},
                )
        return records

    def commit_article(self, record: ArticleRecord) -> None:
        self.commit_articles([record])

    def commit_articles(self, records: list[ArticleRecord]) -> None:
        """Article records, the commit point of their chunks (a page per Chroma call)."""
        for start in range(0, len(records), PAGE):
            batch = records[start : start + PAGE]
            self.articles.upsert(
                ids=[r.source for r in batch],
                embeddings=[[0.0]] * len(batch),
                metadatas=[_record_metadata(r) for r in batch],
            )

    def forget_article(self, source: str) -> None:
        self.articles.delete(ids=[source])

    # --- chunks ---------------------------------------------------------------------------

    def add_chunks(
        self,
        chunks: list[Chunk],
        vectors,
        content_hash: str,
        url: str | None,
        sentence_vectors: list[np.ndarray] | None = None,
    ) -> None:
        """Chunks with their vectors and, per chunk, one vector per sentence (sentences_of)."""
        self.add_versions([(chunks, vectors, content_hash, url, sentence_vectors)])

    def add_versions(self, versions: list[tuple]) -> None:
        """Several articles' new versions: (chunks, vectors, content hash, url, sentence vectors
        per chunk or None) each, written in a few large Chroma calls (each call has a fixed cost
        far above a record's)."""
        sentence_ids, sentence_rows, sentence_metas = [], [], []
        chunk_rows: list[tuple[Chunk, np.ndarray, dict]] = []
        for chunks, vectors, content_hash, url, per_chunk in versions:
            for chunk, matrix in zip(chunks, per_chunk or [], strict=False):
                sentence_ids += [sentence_id(chunk.id, i) for i in range(len(matrix))]
                sentence_rows += list(np.asarray(matrix, dtype=np.float32))
                sentence_metas += [{"source": chunk.source, "content_hash": content_hash}] * len(
                    matrix
                )
            for chunk, vector in zip(chunks, vectors, strict=True):
                meta = {
                    "source": chunk.source,
                    "title": chunk.title,
                    "section": chunk.section,
                    "position": chunk.position,
                    "content_hash": content_hash,
                    "url": url or "",
                }
                chunk_rows.append((chunk, vector, meta))
        for start in range(0, len(sentence_ids), PAGE):
            self.sentences.upsert(
                ids=sentence_ids[start : start + PAGE],
                embeddings=np.asarray(sentence_rows[start : start + PAGE], dtype=np.float32),
                metadatas=sentence_metas[start : start + PAGE],
            )
        for start in range(0, len(chunk_rows), PAGE):
            batch = chunk_rows[start : start + PAGE]
            self.chunks.upsert(
                ids=[c.id for c, _, _ in batch],
                embeddings=np.asarray([v for _, v, _ in batch], dtype=np.float32),
                documents=[c.text for c, _, _ in batch],
                metadatas=[m for _, _, m in batch],
            )

    def nearest_chunk_ids(self, vector, k: int) -> list[str]:
        """The ids of the k chunks nearest the vector by Chroma's HNSW index (approximate;
        stale versions may be among them: the caller keeps the live ones). k must not exceed
        the chunks stored (the live ones are a lower bound)."""
        found = self.chunks.query(
            query_embeddings=[np.asarray(vector, np.float32)], n_results=k, include=[]
        )
        return list(found["ids"][0])

    def delete_chunks(self, ids: list[str]) -> None:
        for start in range(0, len(ids), PAGE):
            self.chunks.delete(ids=ids[start : start + PAGE])

    def delete_version(self, source: str, content_hash: str, chunks: int) -> None:
        """An article version's chunks and sentences."""
        self.delete_chunks(chunk_ids(source, content_hash, chunks))
        self.sentences.delete(where={"$and": [{"source": source}, {"content_hash": content_hash}]})

    def sentence_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored sentence vectors by sentence id (types.sentence_id); missing ids are absent."""
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), PAGE):
            got = self.sentences.get(ids=ids[start : start + PAGE], include=["embeddings"])
            found.update(zip(got["ids"], np.asarray(got["embeddings"], np.float32), strict=True))
        return found

    def heading_vectors(self, names: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of these titles and section headings; missing ones are absent."""
        found: dict[str, np.ndarray] = {}
        names = list(dict.fromkeys(names))
        for start in range(0, len(names), PAGE):
            batch = names[start : start + PAGE]
            got = self.headings.get(ids=[heading_id(n) for n in batch], include=["embeddings"])
            by_id = dict(zip(got["ids"], got["embeddings"], strict=True))
            for name in batch:
                if (vector := by_id.get(heading_id(name))) is not None:
                    found[name] = np.asarray(vector, np.float32)
        return found

    def add_headings(self, names: list[str], vectors) -> None:
        for start in range(0, len(names), PAGE):
            batch = names[start : start + PAGE]
            self.headings.upsert(
                ids=[heading_id(n) for n in batch],
                embeddings=np.asarray(vectors[start : start + PAGE], dtype=np.float32),
                documents=batch,
            )

    def keep_headings(self, names: set[str]) -> None:
        """Forget the headings no live chunk is filed under any more."""
        wanted = {heading_id(n) for n in names}
        unused = [i for (ids,) in self._pages(self.headings, []) for i in ids if i not in wanted]
        for start in range(0, len(unused), PAGE):
            self.headings.delete(ids=unused[start : start + PAGE])

    def delete_stale(self, records: dict[str, ArticleRecord]) -> int:
        """Chunks and sentences no committed article version owns: left by an interrupted
        ingest. Returns how many were deleted."""
        deleted = 0
        for collection in (self.chunks, self.sentences):
            stale = [
                row_id
                for ids, metas in self._pages(collection, ["metadatas"])
                for row_id, meta in zip(ids, metas, strict=True)
                if not self._is_live(meta, records)
            ]
            for start in range(0, len(stale), PAGE):
                collection.delete(ids=stale[start : start + PAGE])
            deleted += len(stale)
        return deleted

    def live_chunks(self, records: dict[str, ArticleRecord]) -> tuple[list[Chunk], np.ndarray]:
        """Every live chunk, in article order, with its vector (one row each)."""
        rows = []
        for ids, metas, docs, vectors in self._pages(
            self.chunks, ["metadatas", "documents", "embeddings"]
        ):
            for chunk_id, meta, doc, vector in zip(ids, metas, docs, vectors, strict=True):
                if self._is_live(meta, records):
                    rows.append((self._chunk(chunk_id, meta, doc), vector))
        rows.sort(key=lambda row: (row[0].source, row[0].position))
        matrix = np.asarray([v for _, v in rows], dtype=np.float32).reshape(
            len(rows), -1 if rows else 0
        )
        return [c for c, _ in rows], matrix

    def live_headings(self, records: dict[str, ArticleRecord]) -> set[str]:
        """The titles and headings the live chunks are filed under (metadata only)."""
        names: set[str] = set()
        for _, metas in self._pages(self.chunks, ["metadatas"]):
            for meta in metas:
                if self._is_live(meta, records):
                    names |= self._chunk("", meta, "").headings
        return names

    def count_chunks(self) -> int:
        return self.chunks.count()

    def reset(self) -> None:
        """Drop everything (a rebuild): the collections are created again, empty."""
        for name in (CHUNKS, SENTENCES, HEADINGS, ARTICLES):
            self.client.delete_collection(name)
        self._open()

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _is_live(meta, records: dict[str, ArticleRecord]) -> bool:
        record = records.get(meta["source"])
        return record is not None and record.content_hash == meta["content_hash"]

    @staticmethod
    def _chunk(chunk_id: str, meta, doc: str) -> Chunk:
        return Chunk(
            id=chunk_id,
            source=meta["source"],
            title=meta["title"],
            section=meta["section"],
            text=doc,
            position=int(meta["position"]),
        )

    @staticmethod
    def _pages(collection, include: list[str]):
        offset = 0
        while True:
            got = collection.get(include=include, limit=PAGE, offset=offset)
            if not got["ids"]:
                return
            yield (got["ids"], *(got[field] for field in include))
            offset += len(got["ids"])


def heading_id(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:24]


def _record_metadata(record: ArticleRecord) -> dict:
    meta = asdict(record)
    del meta["source"]
    meta["tags"] = json.dumps(list(record.tags))
    return {k: ("" if v is None else v) for k, v in meta.items()}  # Chroma takes no None


def open_fresh(data_dir: Path) -> Store:
    """An embedded store that reads the files as they are now, not through a client this
    process cached for the same path (after its files were swapped, as by a restore)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    return Store(data_dir)


def open_store(settings) -> Store:
    return Store(settings.data_dir, settings.chroma_host, settings.chroma_port)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
