"""Hybrid retrieval: vector similarity (Chroma) and BM25 (bm25s), fused by weighted
reciprocal rank, then ranked by article."""

from dataclasses import dataclass

import numpy as np

from .store import Store
from .types import ArticleRecord, Chunk, Passage

CANDIDATES = 50  # per method, before fusion


@dataclass(frozen=True)
class RetrievalSettings:
    passages: int = 8
    rrf_k: int = 60
    vector_weight: float = 1.0
    bm25_weight: float = 1.0


@dataclass(frozen=True)
class Retrieval:
    passages: tuple[Passage, ...]  # best first
    sources: tuple[str, ...]  # article-level ranking, best first, up to 10

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


class Retriever:
    def __init__(self, store: Store, embeddings, settings: RetrievalSettings):
        self.store = store
        self.embeddings = embeddings
        self.settings = settings
        self.refresh()

    def refresh(self) -> None:
        """Snapshot the live index: article records, and BM25 over the live chunks."""
        self.records: dict[str, ArticleRecord] = self.store.article_records()
        self.chunks, self.vectors = self.store.live_chunks(self.records)
        self.position = {c.id: i for i, c in enumerate(self.chunks)}
        self.bm25 = Bm25Index([c.embedded_text for c in self.chunks])

    def search(self, query: str, query_vector=None) -> Retrieval:
        if not self.chunks:
            return Retrieval((), ())
        if query_vector is None:
            query_vector = self.embeddings.encode([query])[0]
        query_vector = np.asarray(query_vector, dtype=np.float32)
        by_vector = self.store.query(query_vector, CANDIDATES, self.records)
        similarity = {chunk.id: sim for chunk, sim in by_vector}

        bm25_scores = self.bm25.scores(query)
        top = np.argsort(-bm25_scores)[:CANDIDATES]
        by_bm25 = [self.chunks[i] for i in top if bm25_scores[i] > 0]

        fused: dict[str, float] = {}
        chunk_by_id: dict[str, Chunk] = {}
        s = self.settings
        for weight, ranking in (
            (s.vector_weight, [c for c, _ in by_vector]),
            (s.bm25_weight, by_bm25),
        ):
            for rank, chunk in enumerate(ranking, start=1):
                fused[chunk.id] = fused.get(chunk.id, 0.0) + weight / (s.rrf_k + rank)
                chunk_by_id[chunk.id] = chunk

        for cid in fused:  # BM25-only hits: their cosine says whether they are relevant enough
            if cid not in similarity:
                similarity[cid] = float(self.vectors[self.position[cid]] @ query_vector)

        ranked = sorted(fused, key=lambda cid: fused[cid], reverse=True)
        passages = tuple(
            Passage(
                chunk=chunk_by_id[cid],
                score=fused[cid],
                similarity=similarity[cid],
                url=self.records[chunk_by_id[cid].source].url,
            )
            for cid in ranked
        )
        return Retrieval(passages[: s.passages], rank_articles(passages))


def rank_articles(passages: tuple[Passage, ...], limit: int = 10) -> tuple[str, ...]:
    """Articles by their best passage's fused score; a second good passage breaks ties."""
    per_article: dict[str, list[float]] = {}
    for p in passages:
        per_article.setdefault(p.chunk.source, []).append(p.score)

    def strength(source: str) -> tuple[float, float]:
        scores = sorted(per_article[source], reverse=True)
        return scores[0], scores[1] if len(scores) > 1 else 0.0

    return tuple(sorted(per_article, key=strength, reverse=True)[:limit])
