"""Article -> Chunks: by section first, then by tokens within the model's window.

Each chunk's embedded text starts with "title - section", so the chunk must leave room for that
heading inside the model's 256-token window.
"""

from collections.abc import Callable
from dataclasses import dataclass

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from ..types import Article, Chunk, chunk_id

SPLITTER_VERSION = 1  # bump when the splitting logic changes: the next ingest rebuilds
HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]


@dataclass(frozen=True)
class SplitSettings:
    chunk_tokens: int
    overlap_tokens: int
    max_tokens: int  # the embedding model's window

    def describe(self) -> str:
        return f"v{SPLITTER_VERSION}:{self.chunk_tokens}/{self.overlap_tokens}/{self.max_tokens}"


class Splitter:
    def __init__(self, count_tokens: Callable[[str], int], settings: SplitSettings):
        self.count_tokens = count_tokens  # the embedding model's own tokenizer
        self.settings = settings
        self.by_heading = MarkdownHeaderTextSplitter(HEADERS, strip_headers=True)

    def split(self, article: Article) -> list[Chunk]:
        chunks: list[Chunk] = []
        for section_doc in self.by_heading.split_text(article.text):
            meta = section_doc.metadata
            section = meta.get("h3") or meta.get("h2") or meta.get("h1") or ""
            heading_tokens = self.count_tokens(f"{article.title} - {section}") + 3
            budget = max(
                32, min(self.settings.chunk_tokens, self.settings.max_tokens - heading_tokens)
            )
            body_splitter = RecursiveCharacterTextSplitter(
                length_function=self.count_tokens,
                chunk_size=budget,
                chunk_overlap=min(self.settings.overlap_tokens, budget // 4),
                separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
                keep_separator="end",
            )
            for piece in body_splitter.split_text(section_doc.page_content):
                piece = piece.strip()
                if not piece:
                    continue
                position = len(chunks)
                chunks.append(
                    Chunk(
                        # The content hash in the id: a new version never overwrites the old one,
                        # so an interrupted update leaves the old version whole.
                        id=chunk_id(article.source, article.content_hash, position),
                        source=article.source,
                        title=article.title,
                        section=section,
                        text=piece,
                        position=position,
                    )
                )
        return chunks
