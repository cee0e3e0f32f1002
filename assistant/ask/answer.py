"""What every answerer gives back, and the passage reading they share.

An answerer turns the question and its retrieved passages into answer text with [n] markers and
the citations those markers use: `extractive` quotes sentences (the offline default),
`generative` has a chat model write from the same numbered passages.
"""

from dataclasses import dataclass
from typing import Protocol

from ..types import Citation, GenerationStats, Passage, sentences_of

__all__ = ["Answerer", "Draft", "MAX_PASSAGES", "sentences_of"]

MAX_PASSAGES = 6  # an answer reads at most this many of the retrieved passages


@dataclass(frozen=True)
class Draft:
    text: str
    citations: tuple[Citation, ...]
    generation: GenerationStats | None = None  # set by the generative answerer


class Answerer(Protocol):
    def answer(self, question: str, query_vector, passages: list[Passage]) -> Draft | None:
        """The answer from these passages, or None when they hold nothing to say."""
        ...
