"""Sentence and heading vectors for the answer and the coverage check, read from the index.

The index stores them at ingest, so answering a question calls the model once, for the
question. The model is only the fallback for passages the index does not know (tests, or an
older index between an upgrade and the next ingest); `encoded` counts those calls.
"""

import threading

import numpy as np

from ..embed import Embedder
from ..store import ChunkStore
from ..types import Chunk, sentence_id

CACHE_SIZE = 100_000  # vectors kept in memory between questions (~150 MB at most)


class IndexVectors:
    def __init__(self, store: ChunkStore | None, embeddings: Embedder):
        self.store = store
        self.embeddings = embeddings
        self.encoded = 0  # texts the model had to embed: 0 on the normal path
        self._sentences: dict[str, np.ndarray] = {}
        self._headings: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def sentences(self, wanted: dict[Chunk, dict[int, str]]) -> dict[str, np.ndarray]:
        """Vectors by sentence id for these chunks' sentences (index in sentences_of -> text),
        from the cache, then one index read for all that are missing."""
        texts = {
            sentence_id(c.id, i): t for c, by_index in wanted.items() for i, t in by_index.items()
        }
        missing = [sid for sid in texts if sid not in self._sentences]
        if missing and self.store is not None:
            self._remember(self._sentences, self.store.sentence_vectors(missing))
        unknown = [sid for sid in texts if sid not in self._sentences]
        if unknown:
            vectors = self._encode([texts[sid] for sid in unknown])
            self._remember(self._sentences, dict(zip(unknown, vectors, strict=True)))
        return {sid: self._sentences[sid] for sid in texts}

    def headings(self, names: list[str]) -> dict[str, np.ndarray]:
        """Vectors of titles and section headings."""
        missing = [n for n in dict.fromkeys(names) if n not in self._headings]
        if missing and self.store is not None:
            self._remember(self._headings, self.store.heading_vectors(missing))
        unknown = [n for n in missing if n not in self._headings]
        if unknown:
            self._remember(self._headings, dict(zip(unknown, self._encode(unknown), strict=True)))
        return {n: self._headings[n] for n in names}

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.encoded += len(texts)
        return np.asarray(self.embeddings.encode(texts), dtype=np.float32)

    def _remember(self, cache: dict, found: dict) -> None:
        with self._lock:
            if len(cache) + len(found) > CACHE_SIZE:
                cache.clear()
            cache.update(found)
