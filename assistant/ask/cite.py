"""Citations: one number per article, in the order the answer first uses it."""

import re

from ..types import Citation, Passage

MARKER = re.compile(r"\[(\d+)\]")
SNIPPET_CHARS = 240


def make_citations(passages: list[Passage], quoted: dict[str, str] | None = None) -> list[Citation]:
    """Citations for the articles of these passages, numbered 1.. in order of first use.

    quoted: per article, the first sentence the answer quotes; the snippet starts there, so a
    reader sees the quote in its context.
    """
    citations: list[Citation] = []
    seen: dict[str, int] = {}
    for p in passages:
        if p.chunk.source in seen:
            continue
        seen[p.chunk.source] = len(citations) + 1
        citations.append(
            Citation(
                n=len(citations) + 1,
                title=p.chunk.title,
                source=p.chunk.source,
                url=p.url,
                snippet=snippet(_from_quote(p.chunk.text, (quoted or {}).get(p.chunk.source))),
            )
        )
    return citations


def _from_quote(text: str, quote: str | None) -> str:
    at = text.find(quote) if quote else -1
    return text[at:] if at > 0 else text


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def markers(text: str) -> set[int]:
    return {int(n) for n in MARKER.findall(text)}


def citations_valid(text: str, citations: list[Citation], retrieved_sources: set[str]) -> bool:
    """At least one marker, and every marker names a citation of a retrieved article."""
    by_number = {c.n: c for c in citations}
    found = markers(text)
    return bool(found) and all(
        n in by_number and by_number[n].source in retrieved_sources for n in found
    )
