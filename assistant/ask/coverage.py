"""Is a question about something the articles cover, or only near them in wording?

"What are the symptoms of flu?" finds the concussion article's symptoms passage at a cosine that
looks like a fair match. The question is much closer to a health topic the articles do not cover
(data/not-covered.txt) than to any title or section heading of the articles, and that, with no
strong passage behind it, makes it a no_sources decline instead of an answer about something else.
"""

from pathlib import Path

import numpy as np

from ..texts import read_examples
from ..types import Chunk
from .vectors import IndexVectors

TOPICS_FILE = "not-covered.txt"
STRONG_MATCH = 0.5  # a passage this close answers, whatever the topic lists say
MARGIN = 0.05  # how much closer to an uncovered topic than to the articles' own headings


class Coverage:
    def __init__(self, vectors: IndexVectors, embeddings, texts_dir: Path | None = None):
        self.vectors = vectors  # the articles' heading vectors, from the index
        self.topics = read_examples(TOPICS_FILE, texts_dir)
        self.topic_vectors = (
            np.asarray(embeddings.encode(self.topics), dtype=np.float32)
            if self.topics
            else np.zeros((0, 1), dtype=np.float32)
        )
        self.headings = np.zeros((0, self.topic_vectors.shape[1]), dtype=np.float32)

    def refresh(self, chunks: list[Chunk]) -> None:
        """The live articles' titles and section headings."""
        names = sorted({name for c in chunks for name in c.headings})
        vectors = list(self.vectors.headings(names).values())
        self.headings = np.stack(vectors) if vectors else self.headings[:0]

    def covers(self, query_vector, best_similarity: float) -> bool:
        if best_similarity >= STRONG_MATCH or not len(self.topics) or not len(self.headings):
            return True
        query_vector = np.asarray(query_vector, dtype=np.float32)
        elsewhere = float((self.topic_vectors @ query_vector).max())
        here = float((self.headings @ query_vector).max())
        return elsewhere - here < MARGIN
