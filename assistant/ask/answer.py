"""What every answerer gives back, and the passage reading they share.

An answerer turns the question and its retrieved passages into answer text with [n] markers and
the citations those markers use: `extractive` quotes sentences (the offline default),
`generative` has a chat model write from the same numbered passages.
"""

import re
from dataclasses import dataclass
from typing import Protocol

from ..types import Citation, GenerationStats, Passage, sentences_of

__all__ = ["Answerer", "Draft", "MAX_PASSAGES", "leans_back", "sentences_of"]

MAX_PASSAGES = 6  # an answer reads at most this many of the retrieved passages
# A sentence that leans on the one before it ("These ...", "Therefore ..."): quoted alone or
# first, it reads as an answer to something left out.
LEANS_BACK = re.compile(
    r"^(?:these|this|that|those|they|them|it|its|such|both|other|another|also|however|"
    r"therefore|thus|so|but|and|or|instead|otherwise|here|then|yet|still|similarly|likewise|"
    r"less commonly|more rarely|in addition|in this|in these|for this reason|as a result|"
    r"because of this|because these|because this|even so|at the same time|on the other hand)\b"
    r"|^(?:\w+\s+){0,2}of\s+(?:these|them|this|those)\b|\btherefore\b|\bthis is why\b",
    re.IGNORECASE,
)


def leans_back(sentence: str) -> bool:
    return bool(LEANS_BACK.search(sentence))


@dataclass(frozen=True)
class Draft:
    text: str
    citations: tuple[Citation, ...]
    generation: GenerationStats | None = None  # set by the generative answerer


class Answerer(Protocol):
    def answer(self, question: str, query_vector, passages: list[Passage]) -> Draft | None:
        """The answer from these passages, or None when they hold nothing to say."""
        ...
