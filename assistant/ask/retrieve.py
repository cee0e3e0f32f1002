"""Hybrid retrieval: vector similarity (Chroma) and BM25 (bm25s).

Passages are fused by reciprocal rank; articles by their best passage's standardised scores.
"""

import heapq
import math
from dataclasses import dataclass

import numpy as np

from ..settings import Settings
from ..store import ChunkStore
from ..types import ArticleRecord, Chunk, Passage
from .lexicon import TermVectors, added_terms, expand_query, with_terms

CANDIDATES = 50  # per method, before fusion
# Up to this many live chunks the vector ranking is exact (one product with every chunk);
# above it, Chroma's HNSW index proposes the nearest and only those are scored exactly.
EXACT_UP_TO = 20_000
WIDE = 2
ARTICLE_PASSAGES = 3  # an article's vector score pools its best passages...
SOFTMAX_TEMPERATURE = 0.05  # ...by a soft maximum (log-mean-exp)


@dataclass(frozen=True)
class RetrievalSettings:
    """The retrieval part of Settings (the defaults live there, once)."""

    passages: int
    rrf_k: int
    vector_weight: float
    bm25_weight: float

    @classmethod
    def from_settings(cls, settings: Settings) -> "RetrievalSettings":
        return cls(
            passages=settings.retrieve_passages,
            rrf_k=settings.rrf_k,
            vector_weight=settings.vector_weight,
            bm25_weight=settings.bm25_weight,
        )


@dataclass(frozen=True)
class Retrieval:
    passages: tuple[Passage, ...]  # best first
    sources: tuple[str, ...]  # article-level ranking, best first, up to 10
    query_vector: np.ndarray | None = None  # of the expanded query; the answerer reuses it

    @property
    def best_similarity(self) -> float:
        return max((p.similarity for p in self.passages), default=0.0)


class Bm25Index:
    """BM25 over the live chunks' embedded text, with English stemming and stop words."""

    def __init__(self, texts: list[str]):
        import bm25s
        import Stemmer
        from bm25s.tokenization import Tokenizer

        self.tokenizer = Tokenizer(stemmer=Stemmer.Stemmer("english"), stopwords="en")
        self.size = len(texts)
        self.model = bm25s.BM25()
        if texts:
            ids = self.tokenizer.tokenize(
                texts, update_vocab=True, return_as="ids", show_progress=False
            )
            self.model.index(ids, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        if not self.size:
            return np.zeros(0)
        ids = self.tokenizer.tokenize(
            [query], update_vocab=False, return_as="ids", show_progress=False
        )[0]
        return self.model.get_scores(ids)


@dataclass(frozen=True)
class LiveIndex:
    """What the index held at the last refresh, as one value."""

    records: dict[str, ArticleRecord]
    chunks: list[Chunk]
    vectors: np.ndarray
    position: dict[str, int]  # chunk id -> row
    rows_by_source: dict[str, list[int]]
    bm25: Bm25Index


class Retriever:
    def __init__(
        self,
        store: ChunkStore,
        embeddings,
        settings: RetrievalSettings,
        candidates: int = CANDIDATES,
        max_sources: int = 10,
        lexicon=(),
    ):
        self.lexicon = lexicon  # everyday words -> the articles' terms (lexicon.py)
        self.term_vectors = TermVectors(embeddings, lexicon)
        self.candidates = candidates  # chunks per method before fusion
        self.max_sources = max_sources
        self.store = store
        self.embeddings = embeddings
        self.settings = settings
        self.refresh()

    def refresh(self) -> None:
        """Snapshot the live index: article records, and BM25 over the live chunks. The new
        snapshot replaces the old in one assignment: a search running in another thread reads
        one snapshot or the other, never half of each."""
        records: dict[str, ArticleRecord] = self.store.article_records()
        chunks, vectors = self.store.live_chunks(records)
        rows_by_source: dict[str, list[int]] = {}
        for i, chunk in enumerate(chunks):
            rows_by_source.setdefault(chunk.source, []).append(i)
        self.live = LiveIndex(
            records=records,
            chunks=chunks,
            vectors=vectors,
            position={c.id: i for i, c in enumerate(chunks)},
            rows_by_source=rows_by_source,
            bm25=Bm25Index([c.embedded_text for c in chunks]),
        )

    @property
    def records(self) -> dict[str, ArticleRecord]:
        return self.live.records

    @property
    def chunks(self) -> list[Chunk]:
        return self.live.chunks

    # -- the Library an answerer reads beyond the retrieved passages (extractive.py) ----------

    def chunks_of(self, source: str) -> list[Chunk]:
        """An article's live chunks in reading order."""
        live = self.live
        return sorted(
            (live.chunks[i] for i in live.rows_by_source.get(source, [])), key=lambda c: c.position
        )

    def chunk_similarities(self, chunks: list[Chunk], query_vector) -> np.ndarray:
        live = self.live
        rows = [live.position.get(c.id) for c in chunks]
        known = np.array([r for r in rows if r is not None], dtype=int)
        found = dict(
            zip(known.tolist(), (live.vectors[known] @ query_vector).tolist(), strict=True)
        )
        return np.array([found.get(r, 0.0) if r is not None else 0.0 for r in rows])

    def lexical_sources(self, text: str, k: int) -> list[str]:
        """The articles whose passages BM25 ranks best for this text (no model call)."""
        live = self.live
        scores = live.bm25.scores(expand_query(text, self.lexicon))
        ranked = [live.chunks[i].source for i in top_k(scores, 4 * k) if scores[i] > 0]
        return list(dict.fromkeys(ranked))[:k]

    def url_of(self, source: str) -> str | None:
        live = self.live
        record = live.records.get(source)
        return record.url if record else None

    def search(self, query: str) -> Retrieval:
        live = self.live
        if not live.chunks:
            return Retrieval((), ())
        added = added_terms(query, self.lexicon)
        question_vector = np.asarray(self.embeddings.encode([query])[0], dtype=np.float32)
        query_vector = self.term_vectors.search_vector(query, question_vector, added)
        query = with_terms(query, added)
        s = self.settings
        bm25_scores = live.bm25.scores(query)
        top = top_k(bm25_scores, self.candidates)
        by_bm25 = [live.chunks[i] for i in top if bm25_scores[i] > 0]
        if len(live.chunks) <= EXACT_UP_TO:
            # Every live chunk's cosine in one product: the exact nearest chunks, without a
            # second search in Chroma, and reused below for BM25-only hits and article pooling.
            cosine = live.vectors @ query_vector
            vector_rows = top_k(cosine, self.candidates)
        else:
            cosine, vector_rows = self._cosines_near(live, query_vector, top[bm25_scores[top] > 0])
        by_vector = [(live.chunks[i], float(cosine[i])) for i in vector_rows]
        similarity = {chunk.id: sim for chunk, sim in by_vector}

        # Passages: reciprocal rank fusion of the two chunk rankings.
        fused: dict[str, float] = {}
        chunk_by_id: dict[str, Chunk] = {}
        for weight, ranking in (
            (s.vector_weight, [c for c, _ in by_vector]),
            (s.bm25_weight, by_bm25),
        ):
            for rank, chunk in enumerate(ranking, start=1):
                fused[chunk.id] = fused.get(chunk.id, 0.0) + weight / (s.rrf_k + rank)
                chunk_by_id[chunk.id] = chunk
        for cid in fused:  # BM25-only hits: their cosine says whether they are relevant enough
            if cid not in similarity:
                similarity[cid] = float(cosine[live.position[cid]])

        # Articles: a soft maximum over each candidate's best passages by cosine, and its best
        # BM25 passage, each standardised over the candidates and combined; scores keep how far
        # ahead the best article is, ranks do not.
        candidates = list(dict.fromkeys(chunk_by_id[cid].source for cid in fused))
        vector_best = {a: pooled_similarity_of(cosine[live.rows_by_source[a]]) for a in candidates}
        bm25_best = {a: 0.0 for a in candidates}
        for i in top:
            source = live.chunks[i].source
            if source in bm25_best:
                bm25_best[source] = max(bm25_best[source], float(bm25_scores[i]))
        article_score = dict(
            zip(
                candidates,
                (
                    s.vector_weight * standardise([vector_best[a] for a in candidates])
                    + s.bm25_weight * standardise([bm25_best[a] for a in candidates])
                ),
                strict=True,
            )
        )
        sources = tuple(sorted(candidates, key=lambda a: article_score[a], reverse=True))
        article_rank = {a: i for i, a in enumerate(sources)}

        ranked = sorted(fused, key=lambda cid: fused[cid], reverse=True)[: s.passages]
        ranked.sort(key=lambda cid: article_rank[chunk_by_id[cid].source])  # stable: best first
        passages = tuple(
            Passage(
                chunk=chunk_by_id[cid],
                score=fused[cid],
                similarity=similarity[cid],
                url=live.records[chunk_by_id[cid].source].url,
            )
            for cid in ranked
        )
        return Retrieval(passages, sources[: self.max_sources], query_vector)

    def _cosines_near(self, live: LiveIndex, query_vector, bm25_rows) -> tuple[np.ndarray, list]:
        """A large index: Chroma's HNSW finds the nearest chunks, and the exact cosine is
        computed only where the search reads it (those chunks, the BM25 hits, and every chunk
        of their articles); one product over every chunk would cost more than all the rest."""
        wanted = min(WIDE * self.candidates, len(live.chunks))
        nearest = self.store.nearest_chunk_ids(query_vector, wanted)
        ann = [live.position[i] for i in nearest if i in live.position]  # live ones only
        articles = {live.chunks[r].source for r in [*ann, *bm25_rows]}
        rows = np.unique(
            np.array(
                [*ann, *bm25_rows, *(r for a in articles for r in live.rows_by_source[a])],
                dtype=int,
            )
        )
        cosine = np.full(len(live.chunks), -1.0, dtype=np.float32)
        cosine[rows] = live.vectors[rows] @ query_vector
        return cosine, sorted(ann, key=lambda r: -cosine[r])[: self.candidates]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first."""
    if len(scores) <= k:
        return np.argsort(-scores)
    best = np.argpartition(-scores, k)[:k]
    return best[np.argsort(-scores[best])]


def pooled_similarity_of(similarities: np.ndarray) -> float:
    """Log-mean-exp of the best passages: the best cosine, lowered when the next best passages
    are far weaker, so several good passages beat one lucky match. Only the best few count, so
    a long article gains nothing by its length."""
    # In plain Python: an article has a few chunks, and numpy's per-call cost was 45 us an
    # article, about 2 ms a question.
    best = heapq.nlargest(ARTICLE_PASSAGES, np.asarray(similarities, dtype=np.float64).tolist())
    t = SOFTMAX_TEMPERATURE
    return best[0] + t * math.log(sum(math.exp((b - best[0]) / t) for b in best) / len(best))


def standardise(values: list[float]) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    spread = array.std()
    return (array - array.mean()) / spread if spread > 1e-9 else np.zeros_like(array)
