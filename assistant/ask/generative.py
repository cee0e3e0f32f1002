"""A chat model writes the answer from numbered passages, streamed sentence by sentence; each
sentence is shown only if its cited passage supports it, and quoting is the fallback.

The chain is LangChain's prompt | chat model | text parser. As the text streams in, every
finished sentence goes through the safety filter and the grounding check; nothing is shown
until MIN_SENTENCES are accepted, then each accepted sentence follows as it is checked. A
rejected sentence is left out. Fewer than MIN_SENTENCES accepted (or a model that fails before
then) gives the extractive answer instead.
"""

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from ..settings import Settings
from ..types import GenerationStats, Passage, sentence_id, sentences_of
from .answer import MAX_PASSAGES, Answerer, Draft
from .cite import MARKER, make_citations
from .grounding import Grounding, words
from .messages import conversation
from .vectors import IndexVectors

log = logging.getLogger(__name__)

MAX_ANSWER_TOKENS = 300  # a generated answer stays short
MIN_SENTENCES = 2  # shown only once this many are accepted; fewer: the extractive answer
MIN_WORDS = 3  # a "sentence" shorter than this ("Sources:", "[1]") is not a claim
# The end of a sentence in a growing text: its punctuation and any markers after it ("weeks.
# [1]"), once the next sentence has begun; or a line break (list items, paragraphs).
SENTENCE_BREAK = re.compile(r"[.!?…](?:\s*\[\d+\](?:\s*,?\s*\[\d+\])*)?[\"”’)]?(?=\s+[^\s\[])|\n+")
LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
# A line that starts with a marker is a line of a source list, not a claim: a small model
# echoes the passages' "[1] Title - Section" headers.
SOURCE_LINE = re.compile(r"^\W*\[\d+\]")
HUMAN_TURN = "Passages:\n{passages}\n\nQuestion: {question}"


def split_sentences(pieces: Iterable[str], stats: GenerationStats) -> Iterator[str]:
    """Finished sentences of a streamed text, each as soon as the next one begins."""
    buffer = ""
    for piece in pieces:
        if piece:
            stats.tokens += 1
        buffer += piece
        while (match := _first_break(buffer)) is not None:
            sentence, buffer = buffer[: match.end()], buffer[match.end() :].lstrip()
            if sentence.strip():
                yield sentence.strip()
    if buffer.strip():
        yield buffer.strip()


def _first_break(text: str):
    for match in SENTENCE_BREAK.finditer(text):
        if match.end() < len(text):
            return match
    return None


def claim_of(sentence: str) -> str:
    """The sentence without its markers and list bullet, spaced as prose."""
    text = LIST_ITEM.sub("", MARKER.sub("", sentence))
    text = re.sub(r"\s+([.,;:!?…])", r"\1", text)
    return " ".join(text.replace("*", "").split())


def with_markers(claim: str, numbers: list[int]) -> str:
    """The claim with its supported markers before its final punctuation: "… weeks [1]."."""
    tags = "".join(f"[{n}]" for n in numbers)
    if claim and claim[-1] in ".!?…":
        return f"{claim[:-1].rstrip()} {tags}{claim[-1]}"
    return f"{claim} {tags}."


def _is_heading(claim: str, headings: set[str]) -> bool:
    """The claim restates a passage's title or section heading: there is no answer in it."""
    text = claim.rstrip(".!…").lower()
    return any(text.startswith(h) or h.startswith(text) for h in headings)


class ChatAnswerer:
    def __init__(
        self,
        chat_model,
        prompt: str,
        fallback: Answerer,
        grounding: Grounding,
        vectors: IndexVectors,
        keep_sentence: Callable[[str], bool] = lambda s: True,
        history_turns: int = 6,
    ):
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

        self.chain = (
            ChatPromptTemplate.from_messages(
                [("system", "{system}"), MessagesPlaceholder("history"), ("human", HUMAN_TURN)]
            )
            | chat_model
            | StrOutputParser()
        )
        self.chat_model = chat_model
        self.prompt = prompt
        self.fallback = fallback
        self.grounding = grounding
        self.vectors = vectors
        self.keep_sentence = keep_sentence
        self.history_turns = history_turns

    def answer(
        self, question: str, query_vector, passages: list[Passage], history=None
    ) -> Draft | None:
        *_, draft = self.stream(question, query_vector, passages, history)
        return draft

    def stream(
        self, question: str, query_vector, passages: list[Passage], history=None
    ) -> Iterator[Draft | None]:
        """Drafts as accepted sentences arrive; the last one is the answer (or the fallback's)."""
        started = time.perf_counter()
        shown = passages[:MAX_PASSAGES]
        citations = make_citations(shown)
        articles = self._article_texts(shown, {c.source: c.n for c in citations})
        headings = {h.lower() for p in shown for h in (p.chunk.title, p.chunk.section) if h}
        stats = GenerationStats()
        accepted: list[str] = []
        try:
            for sentence in split_sentences(
                self._generate(question, shown, citations, history), stats
            ):
                stats.generated += 1
                kept = self._grounded(sentence, articles, headings)
                if kept is None:
                    continue
                accepted.append(kept)
                if len(accepted) >= MIN_SENTENCES:
                    if stats.first_sentence_s is None:
                        stats.first_sentence_s = time.perf_counter() - started
                    yield self._draft(accepted, citations, stats, final=False)
        except Exception:  # a model server that fails must not break the chat
            log.warning("the chat model failed", exc_info=True)
            stats.failed = True
        stats.generation_s = time.perf_counter() - started
        stats.kept = len(accepted)
        if len(accepted) < MIN_SENTENCES:
            stats.fallback = True
            draft = self.fallback.answer(question, query_vector, passages)
            yield None if draft is None else Draft(draft.text, draft.citations, stats)
            return
        yield self._draft(accepted, citations, stats, final=True)

    def _generate(self, question, shown, citations, history) -> Iterator[str]:
        number = {c.source: c.n for c in citations}
        context = "\n\n".join(
            f"[{number[p.chunk.source]}] {p.chunk.title} - {p.chunk.section}\n{p.chunk.text}"
            for p in shown
        )
        turns = conversation(history, self.history_turns)
        return self.chain.stream(
            {"system": self.prompt, "history": turns, "passages": context, "question": question}
        )

    def _article_texts(self, shown: list[Passage], number: dict[str, int]) -> dict:
        """Per citation number: its article's shown text, sentences and their index vectors."""
        by_n: dict[int, list] = {}
        for p in shown:
            by_n.setdefault(number[p.chunk.source], []).append(p.chunk)
        wanted = {
            c: dict(enumerate(sentences_of(c.text))) for chunks in by_n.values() for c in chunks
        }
        vectors = self.vectors.sentences(wanted)
        articles = {}
        for n, chunks in by_n.items():
            sentences = [s for c in chunks for s in wanted[c].values()]
            ids = [sentence_id(c.id, i) for c in chunks for i in wanted[c]]
            matrix = np.stack([vectors[i] for i in ids]) if ids else np.zeros((0, 384), np.float32)
            articles[n] = ("\n".join(c.text for c in chunks), sentences, matrix)
        return articles

    def _grounded(self, sentence: str, articles: dict, headings: set[str]) -> str | None:
        """The sentence with only the markers whose passage supports it, or None."""
        claim = claim_of(sentence)
        if SOURCE_LINE.match(sentence) or claim.endswith("?") or _is_heading(claim, headings):
            return None
        cited = [
            n for n in dict.fromkeys(int(m) for m in MARKER.findall(sentence)) if n in articles
        ]
        if not cited or len(words(claim)) < MIN_WORDS or not self.keep_sentence(claim):
            return None
        vector = np.asarray(self.grounding.embeddings.encode([claim])[0], dtype=np.float32)
        supporting = [
            n for n in cited if self.grounding.check_vector(claim, vector, *articles[n]).supported
        ]
        return with_markers(claim, supporting) if supporting else None

    @staticmethod
    def _draft(accepted, citations, stats, final: bool) -> Draft:
        text = " ".join(accepted)
        used = {int(n) for n in MARKER.findall(text)}
        return Draft(
            text=text,
            citations=tuple(c for c in citations if c.n in used),
            generation=stats if final else None,
        )


def build_chat_model(settings: Settings):
    """The LangChain chat model of settings.answer_backend ("openai" or "llamacpp")."""
    match settings.answer_backend:
        case "openai":
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as err:
                raise ImportError("the openai backend needs: pip install langchain-openai") from err
            return ChatOpenAI(
                base_url=settings.llm_base_url,
                model=settings.llm_model,
                api_key=settings.llm_api_key.get_secret_value(),
                temperature=0,
                timeout=settings.llm_timeout_s,
                max_retries=1,
                # Sent as `max_tokens`: ChatOpenAI's own setting goes out as
                # `max_completion_tokens`, which llama.cpp's server ignores (it then writes on
                # to the end of its context).
                extra_body={"max_tokens": MAX_ANSWER_TOKENS},
            )
        case "llamacpp":
            try:
                from langchain_community.chat_models import ChatLlamaCpp
            except ImportError as err:
                raise ImportError(
                    "the llamacpp backend needs: pip install langchain-community llama-cpp-python"
                ) from err
            return ChatLlamaCpp(
                model_path=str(settings.llm_model_path),
                n_ctx=4096,
                n_batch=512,
                temperature=0,
                max_tokens=MAX_ANSWER_TOKENS,
                verbose=False,
                model_kwargs={"chat_format": settings.llm_chat_format}
                if settings.llm_chat_format
                else {},
            )
        case other:
            raise ValueError(f"no chat model for the answer backend {other!r}")
