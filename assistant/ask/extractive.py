"""The offline default: quote the retrieved passages' sentences that answer the question."""

from collections.abc import Callable

import numpy as np

from ..types import Passage, sentence_id
from .answer import MAX_PASSAGES, Draft, leans_back, sentences_of
from .cite import make_citations
from .kinds import AnswerKinds
from .vectors import IndexVectors

MIN_SENTENCE_CHARS = 25
MAX_ARTICLES = 2
NOVELTY = 0.2  # maximal marginal relevance: how much a sentence must add beyond those chosen
MIN_RELATIVE_SCORE = 0.6  # a sentence far weaker than the best one is left out
# A sentence's section heading says what it answers: under "What causes X?" the sentences name
# causes, though a definition of X may sit closer to "What causes X?" in the model's space.
HEADING_WEIGHT = 0.3


class ExtractiveAnswerer:
    """Quotes the sentences of the retrieved passages closest in meaning to the question."""

    def __init__(
        self,
        vectors: IndexVectors,
        max_sentences: int = 5,
        keep_sentence: Callable[[str], bool] = lambda s: True,
        kinds: AnswerKinds | None = None,
    ):
        self.vectors = vectors  # sentence and heading vectors, from the index
        self.max_sentences = max_sentences
        self.keep_sentence = keep_sentence
        self.kinds = kinds  # what kind of answer a question asks for (warning signs: listed)

    def sentence_vectors(self, candidates: list[tuple]) -> np.ndarray:
        """(rank, index, passage, sentence) candidates -> one vector each, in order."""
        wanted: dict = {}
        for _, i, p, sentence in candidates:
            wanted.setdefault(p.chunk, {})[i] = sentence
        found = self.vectors.sentences(wanted)
        return np.stack([found[sentence_id(p.chunk.id, i)] for _, i, p, _ in candidates])

    def heading_fit(self, passages: list[Passage], query_vector: np.ndarray) -> np.ndarray:
        """Cosine of the question to each passage's section heading (0 where it has none)."""
        headings = [p.chunk.section for p in passages]
        named = [h for h in headings if h]
        if not named:
            return np.zeros(len(headings))
        vectors = self.vectors.headings(named)
        return np.array([float(vectors[h] @ query_vector) if h else 0.0 for h in headings])

    def pick_diverse(self, scores: np.ndarray, vectors: np.ndarray, sentences: list[str]):
        """The best sentences by maximal marginal relevance: relevant, and not repeating what an
        already chosen sentence says (three definitions of the same thing answer nothing)."""
        chosen: list[int] = []
        seen_text: set[str] = set()
        best_score = scores.max()
        available = scores >= min(MIN_RELATIVE_SCORE * best_score, best_score)  # best always in
        while len(chosen) < self.max_sentences and available.any():
            value = scores.copy()
            if chosen:
                redundancy = (vectors @ vectors[chosen].T).max(axis=1)
                value = (1 - NOVELTY) * scores - NOVELTY * redundancy
            best = int(np.argmax(np.where(available, value, -np.inf)))
            available[best] = False
            if sentences[best].lower() not in seen_text:
                seen_text.add(sentences[best].lower())
                chosen.append(best)
        return chosen

    @staticmethod
    def without_orphans(chosen: list[int], candidates: list[tuple]) -> list[int]:
        """Leaves out a sentence that leans on the one before it ("These ...", "Therefore ...")
        when that one is not quoted too: alone, it answers something the reader never saw."""
        position = {(c[2].chunk.id, c[1]): j for j, c in enumerate(candidates)}
        kept = [
            j
            for j in chosen
            if not leans_back(candidates[j][3])
            or position.get((candidates[j][2].chunk.id, candidates[j][1] - 1)) in chosen
        ]
        return kept or chosen[:1]  # the best sentence, when nothing else is left

    def with_signs(self, question: str, chosen: list[int], candidates, scores) -> list[int]:
        """A question about warning signs ("what should I watch for") gets a sentence that lists
        them, from the articles quoted: leaving them out is the unsafe answer."""
        if self.kinds is None or self.kinds.main_kind(question) != "when_to_worry":
            return chosen
        quoted = {candidates[j][2].chunk.source for j in chosen}
        signs = [
            j
            for j, c in enumerate(candidates)
            if c[2].chunk.source in quoted and self.kinds.lists_signs(c[3])
        ]
        if not signs or any(j in signs for j in chosen):
            return chosen
        # the weakest makes room; the best sentence still leads
        return [*chosen[: self.max_sentences - 1], max(signs, key=lambda j: scores[j])]

    def answer(self, question: str, query_vector, passages: list[Passage]) -> Draft | None:
        articles = list(dict.fromkeys(p.chunk.source for p in passages))[:MAX_ARTICLES]
        candidates = []  # (passage rank, sentence index, passage, sentence)
        for rank, p in enumerate(passages[:MAX_PASSAGES]):
            if p.chunk.source not in articles:
                continue
            for i, sentence in enumerate(sentences_of(p.chunk.text)):
                if (
                    len(sentence) >= MIN_SENTENCE_CHARS
                    and not sentence.endswith((":", "?"))  # a lead-in, a rhetorical question
                    and "://" not in sentence  # an article's "Source: https://..." line
                    and self.keep_sentence(sentence)
                ):
                    candidates.append((rank, i, p, sentence))
        if not candidates:
            return None

        query_vector = np.asarray(query_vector, dtype=np.float32)
        vectors = self.sentence_vectors(candidates)
        similarity = vectors @ query_vector
        heading_fit = self.heading_fit([c[2] for c in candidates], query_vector)
        # The passage's own rank and fit count too: a sentence reads best in its context.
        scores = [
            0.7 * float(sim) + 0.3 * c[2].similarity + HEADING_WEIGHT * fit - 0.02 * c[0]
            for c, sim, fit in zip(candidates, similarity, heading_fit, strict=True)
        ]
        chosen = self.pick_diverse(np.asarray(scores), vectors, [c[3] for c in candidates])
        chosen = self.without_orphans(chosen, candidates)
        chosen = self.with_signs(question, chosen, candidates, scores)

        # The best sentence leads (an answer that comes third reads as buried), unless it leans
        # on the sentence before it; the others follow, best article first, in reading order.
        best = chosen[0]
        first_article = candidates[best][2].chunk.source
        chosen.sort(
            key=lambda i: (
                candidates[i][2].chunk.source != first_article,
                articles.index(candidates[i][2].chunk.source),
                candidates[i][2].chunk.position,
                candidates[i][1],
            )
        )
        if not leans_back(candidates[best][3]):
            chosen.remove(best)
            chosen.insert(0, best)
        used_passages = [candidates[i][2] for i in chosen]
        quoted = {}
        for i in chosen:
            quoted.setdefault(candidates[i][2].chunk.source, candidates[i][3])
        citations = make_citations(used_passages, quoted)
        number = {c.source: c.n for c in citations}
        text = " ".join(
            f"{candidates[i][3]} [{number[candidates[i][2].chunk.source]}]" for i in chosen
        )
        return Draft(text=text, citations=tuple(citations))
