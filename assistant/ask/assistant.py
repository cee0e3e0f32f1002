"""The Assistant: guard -> retrieve -> answer -> cite -> disclaim, for the CLI and the web."""

import logging
import threading
from collections.abc import Iterator
from functools import lru_cache

from ..embed import Embedder, embeddings_for
from ..settings import Settings
from ..store import ChunkStore, open_store
from ..texts import disclaimer_for, read_text, render
from ..types import Reply, Verdict
from .answer import Answerer
from .booking import asks_how_to_book
from .coverage import Coverage
from .extractive import ExtractiveAnswerer
from .followup import standalone_query
from .generative import ChatAnswerer, build_chat_model
from .grounding import Grounding
from .kinds import AnswerKinds
from .lexicon import load_lexicon
from .retrieve import Retrieval, RetrievalSettings, Retriever
from .runs import RunAnswerer
from .safety.answer_filter import unsafe_answer_sentence
from .safety.guard import Guard
from .sentence_fit import SentenceFit
from .vectors import IndexVectors

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 1000  # retrieval reads the start of a very long message; the guard reads all


class Assistant:
    def __init__(
        self,
        settings: Settings,
        store: ChunkStore | None = None,
        embeddings: Embedder | None = None,
    ):
        self.settings = settings
        self.embeddings = embeddings or embeddings_for(settings)
        self.store = store or open_store(settings)
        self.guard = Guard(self.embeddings, settings.texts_dir)
        self.retriever = build_retriever(self.store, self.embeddings, settings)
        self.vectors = IndexVectors(self.store, self.embeddings)
        self.coverage = Coverage(self.vectors, self.embeddings, settings.texts_dir)
        self.coverage.refresh(self.retriever.chunks)
        self.answerer = build_answerer(settings, self.vectors, self.retriever)
        self.generation = self.store.generation()
        self._refresh_lock = threading.Lock()

    @property
    def streams(self) -> bool:
        """Whether replies grow as a model writes them (else each comes whole)."""
        return isinstance(self.answerer, ChatAnswerer)

    def warm_up(self) -> None:
        """Load what a first question needs (the guard's language model and spelling lists,
        the answerer's tables) before visitors arrive: lazy loads would otherwise race in the
        server's threads, each paying for them, while the first visitors wait."""
        self.ask("Can a stiff neck cause headaches at the back of the head?")

    def refresh_if_changed(self) -> bool:
        """Answer from what an ingest (this process or another) just finished, no restart."""
        if self.store.generation() == self.generation:
            return False
        with self._refresh_lock:
            generation = self.store.generation()
            if generation != self.generation:
                self.store.reopen()
                self.retriever.refresh()
                self.coverage.refresh(self.retriever.chunks)
                self.generation = generation
                return True
        return False

    def ask(self, question: str, history: list[dict] | None = None) -> Reply:
        *_, reply = self.stream(question, history)  # the last one is the full reply
        return reply

    def stream(self, question: str, history: list[dict] | None = None) -> Iterator[Reply]:
        """The reply as the visitor sees it arrive; the last one is the full reply. A quoted
        answer is complete when it is found and comes whole; a generated one grows by its
        accepted sentences."""
        # The guard first: it needs neither the store nor a model server, so an emergency is
        # recognised even when those are down.
        question = question if isinstance(question, str) else ""
        verdict = self.guard.check(question, history or [])
        if verdict is not None:
            yield self.verdict_reply(verdict)
            return
        try:
            self.refresh_if_changed()
            query = standalone_query(question.strip(), history)[:MAX_QUERY_CHARS]
            retrieval = self.retriever.search(query)
        except Exception:  # chromadb raises many types; each means the store cannot answer now
            log.exception("the store could not answer")
            yield self.decline("unavailable", None)
            return
        yield from self.answer(query, retrieval, history)

    def answer(self, query: str, retrieval: Retrieval, history=None) -> Iterator[Reply]:
        if retrieval.best_similarity < self.settings.min_similarity or not self.coverage.covers(
            retrieval.query_vector, retrieval.best_similarity
        ):
            yield self.decline("no_sources", retrieval)
            return
        passages = list(retrieval.passages)
        booking = render("booking.md", self.settings) if asks_how_to_book(query) else ""
        if isinstance(self.answerer, ChatAnswerer):
            drafts = self.answerer.stream(query, retrieval.query_vector, passages, history)
        else:
            drafts = iter([self.answerer.answer(query, retrieval.query_vector, passages)])
        for draft in drafts:
            if draft is None:
                yield self.decline("no_sources", retrieval)
                return
            yield Reply(
                kind="answer",
                text=f"{booking}\n\n{draft.text}" if booking else draft.text,
                citations=draft.citations,
                disclaimer=disclaimer_for("answer", self.settings),
                # a comparison may quote one side's article from beyond the ranked ten
                sources=tuple(
                    dict.fromkeys(retrieval.sources + tuple(c.source for c in draft.citations))
                ),
                generation=draft.generation,
            )

    def verdict_reply(self, verdict: Verdict) -> Reply:
        if verdict.kind == "emergency":
            return Reply(
                kind="emergency",
                text=render("emergency.md", self.settings),
                disclaimer=disclaimer_for("emergency", self.settings),
                because=verdict.because,
            )
        return self.decline(verdict.reason or "off_topic", None)

    def decline(self, reason: str, retrieval: Retrieval | None) -> Reply:
        return Reply(
            kind="decline",
            reason=reason,
            text=render(f"decline-{reason}.md", self.settings),
            disclaimer=disclaimer_for("decline", self.settings),
            sources=retrieval.sources if retrieval else (),
        )


def build_retriever(
    store: ChunkStore, embeddings: Embedder, settings: Settings, **overrides
) -> Retriever:
    """The retriever the assistant answers with (overrides: candidates, max_sources)."""
    return Retriever(
        store,
        embeddings,
        RetrievalSettings.from_settings(settings),
        lexicon=load_lexicon(settings.texts_dir),
        **overrides,
    )


def build_answerer(settings: Settings, vectors: IndexVectors, library: Retriever) -> Answerer:
    # the same article sentences are checked for every question they are candidates for
    keep = lru_cache(maxsize=50_000)(lambda s: not unsafe_answer_sentence(s))
    extractive: ExtractiveAnswerer | RunAnswerer
    kinds = AnswerKinds.load(settings.texts_dir)
    if settings.answer_style in ("runs", "focused"):
        focused = settings.answer_style == "focused"
        extractive = RunAnswerer(
            vectors,
            settings.answer_sentences,
            keep_sentence=keep,
            library=library,
            kinds=kinds,
            fit=SentenceFit.load(settings.texts_dir) if focused else None,
        )
    else:
        extractive = ExtractiveAnswerer(
            vectors, settings.answer_sentences, keep_sentence=keep, kinds=kinds
        )
    if settings.answer_backend == "extractive":
        return extractive
    return ChatAnswerer(
        build_chat_model(settings),
        read_text("prompt.md", settings.texts_dir),
        extractive,
        Grounding(vectors.embeddings, texts_dir=settings.texts_dir),
        vectors,
        keep_sentence=keep,
        history_turns=settings.llm_history_turns,
    )
