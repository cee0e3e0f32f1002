"""What every answerer gives back, and the passage reading they share.

An answerer turns the question and its retrieved passages into answer text with [n] markers and
the citations those markers use: `extractive` quotes sentences (the offline default),
`generative` has a chat model write from the same numbered passages.
"""

import re
from dataclasses import dataclass
from typing import Protocol

from ..types import Citation, Passage

SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
MAX_PASSAGES = 6  # an answer reads at most this many of the retrieved passages


@dataclass(frozen=True)
class Draft:
    text: str
    citations: tuple[Citation, ...]


class Answerer(Protocol):
    def answer(self, question: str, query_vector, passages: list[Passage]) -> Draft | None:
        """The answer from these passages, or None when they hold nothing to say."""
        ...


def sentences_of(text: str) -> list[str]:
    """Sentences and list items of a passage, in order."""
    out = []
    for block in text.split("\n"):
        block = re.sub(r"^\s*(?:[-*]|\d+[.)])\s+", "", block).strip()
        if block:
            out.extend(s.strip() for s in SENTENCE_END.split(block) if s.strip())
    return out
