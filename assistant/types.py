"""The plain values that flow between stages."""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")


def sentences_of(text: str) -> list[str]:
    """Sentences and list items of a passage, in order (the index stores a vector for each)."""
    return list(_sentences(text))


@lru_cache(maxsize=50_000)  # passages are read again for every question they answer
def _sentences(text: str) -> tuple[str, ...]:
    out = []
    for block in text.split("\n"):
        block = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", block).strip()
        if block:
            out.extend(s.strip() for s in SENTENCE_END.split(block) if s.strip())
    return tuple(out)


def sentence_id(chunk_id: str, index: int) -> str:
    return f"{chunk_id}~{index}"


ReplyKind = Literal["answer", "decline", "emergency"]
DeclineReason = Literal[
    "dose",
    "diagnosis",
    "injection",
    "empty",
    "off_topic",
    "language",
    "no_sources",
    "rate_limited",
    "unavailable",
]


@dataclass(frozen=True)
class Article:
    source: str  # path relative to the folder it was ingested from, e.g. "whiplash.md"
    folder: str  # absolute path of that folder
    title: str
    text: str  # Markdown body; "## " headings mark sections
    content_hash: str
    url: str | None = None
    reviewed: str | None = None  # ISO date of the last clinical review
    tags: tuple[str, ...] = ()
    # A web page's validators and the address it was fetched from (its source is its canonical
    # URL): a re-sync asks the site whether it changed before fetching it again.
    etag: str | None = None
    last_modified: str | None = None
    page_url: str | None = None


def chunk_id(source: str, content_hash: str, position: int) -> str:
    """A chunk's id carries its article version, so a new version never overwrites the old."""
    return f"{source}@{content_hash[:16]}#{position}"


def chunk_ids(source: str, content_hash: str, count: int) -> list[str]:
    return [chunk_id(source, content_hash, i) for i in range(count)]


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    title: str
    section: str
    text: str  # the passage as a visitor would read it
    position: int

    @property
    def embedded_text(self) -> str:
        """What the model and BM25 see: the article title and section give context."""
        return f"{self.heading}\n{self.text}"

    @property
    def heading(self) -> str:
        return f"{self.title} - {self.section}" if self.section else self.title

    @property
    def headings(self) -> set[str]:
        """The names this chunk is filed under (the index keeps a vector for each)."""
        return {self.title, self.heading} | ({self.section} if self.section else set())


@dataclass(frozen=True)
class Passage:
    chunk: Chunk
    score: float  # fused retrieval score, higher is better
    similarity: float  # cosine similarity to the question (0 if only BM25 found it)
    url: str | None = None


@dataclass(frozen=True)
class Citation:
    n: int
    title: str
    source: str
    url: str | None
    snippet: str


@dataclass(frozen=True)
class Verdict:
    """What the guard decided before retrieval."""

    kind: ReplyKind  # "emergency" or "decline"
    reason: DeclineReason | None = None
    because: str | None = None  # for an emergency: the rule or net that fired


@dataclass
class GenerationStats:
    """How a generated answer came about (for the eval; never shown)."""

    generated: int = 0  # sentences the model wrote
    kept: int = 0  # of them, shown: safe and supported by their cited passage
    fallback: bool = False  # too few kept: the extractive answer was shown instead
    failed: bool = False  # the model server failed or stopped mid-answer
    first_sentence_s: float | None = None  # from the model call until text was first shown
    generation_s: float = 0.0
    tokens: int = 0  # streamed pieces (one token each from llama.cpp and OpenAI servers)


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    text: str
    disclaimer: str
    reason: DeclineReason | None = None
    citations: tuple[Citation, ...] = ()
    sources: tuple[str, ...] = field(default=())
    because: str | None = None  # an emergency's rule or net, for staff review (not shown)
    generation: GenerationStats | None = None  # a generated answer's figures (not shown)

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "reason": self.reason,
            "text": self.text,
            "citations": [
                {"n": c.n, "title": c.title, "source": c.source, "url": c.url, "snippet": c.snippet}
                for c in self.citations
            ],
            "disclaimer": self.disclaimer,
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class ArticleRecord:
    """What the index knows about one ingested article (the commit point of its chunks)."""

    source: str
    folder: str
    title: str
    content_hash: str
    chunks: int
    ingested_at: str  # ISO timestamp
    url: str | None = None
    reviewed: str | None = None
    tags: tuple[str, ...] = ()
    etag: str | None = None
    last_modified: str | None = None
    page_url: str | None = None
