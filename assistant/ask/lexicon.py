"""Query handling: visitors' everyday words gain the terms the articles use.

"got rear ended and now my neck hurts" also searches for "car accident whiplash". The lexicon is
a data file (assistant/data/lay-terms.txt) that clinicians can extend; a file of the same name in
the data dir's texts folder replaces it.
"""

import re
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..texts import read_examples

LEXICON_FILE = "lay-terms.txt"


@lru_cache(maxsize=4)
def load_lexicon(override_dir: Path | None = None) -> tuple[tuple[re.Pattern, str], ...]:
    entries = []
    for line in read_examples(LEXICON_FILE, override_dir):
        lay, _, clinical = (part.strip() for part in line.partition("="))
        if lay and clinical:
            entries.append((re.compile(rf"\b{re.escape(lay)}\b", re.IGNORECASE), clinical))
    return tuple(entries)


def added_terms(query: str, lexicon) -> list[str]:
    return list(dict.fromkeys(clinical for pattern, clinical in lexicon if pattern.search(query)))


def expand_query(query: str, lexicon) -> str:
    return with_terms(query, added_terms(query, lexicon))


def with_terms(query: str, added: list[str]) -> str:
    return f"{query} {' '.join(added)}" if added else query


class TermVectors:
    """The search vector of an expanded question without a second model call: the question's
    own vector and each added term's, weighted by their tokens, as mean pooling over the
    expanded text weights them. Each term is embedded once (all of the lexicon's in one call,
    at first use). On the 159 gated questions the lexicon expands, it ranks as well as
    embedding the expanded text (hit@1 0.881 against 0.874, hit@5 0.987 for both)."""

    def __init__(self, embeddings, lexicon):
        self.embeddings = embeddings
        self.lexicon = lexicon
        self._terms: dict[str, tuple[np.ndarray, int]] | None = None
        self._lock = threading.Lock()

    def search_vector(
        self, question: str, question_vector: np.ndarray, added: list[str]
    ) -> np.ndarray:
        """The vector of the question with these added terms (added_terms)."""
        if not added:
            return question_vector
        terms = self._term_vectors()
        total = self.embeddings.count_tokens(question) * question_vector
        for term in added:
            vector, tokens = terms[term]
            total = total + tokens * vector
        return (total / np.linalg.norm(total)).astype(np.float32)

    def _term_vectors(self) -> dict[str, tuple[np.ndarray, int]]:
        with self._lock:
            if self._terms is None:
                names = list(dict.fromkeys(clinical for _, clinical in self.lexicon))
                vectors = np.asarray(self.embeddings.encode(names), dtype=np.float32)
                self._terms = {
                    name: (vector, self.embeddings.count_tokens(name))
                    for name, vector in zip(names, vectors, strict=True)
                }
            return self._terms
