"""A chat model (LangChain) writes the answer from numbered passages; quoting is the fallback."""

from collections.abc import Callable

from ..settings import Settings
from ..types import Passage
from .answer import MAX_PASSAGES, Answerer, Draft, sentences_of
from .cite import citations_valid, make_citations, markers

MAX_ANSWER_TOKENS = 300  # a generated answer stays short


class ChatAnswerer:
    """A chat model writes the answer from numbered passages; quoting is the fallback."""

    def __init__(
        self,
        chat_model,
        prompt: str,
        fallback: Answerer,
        keep_sentence: Callable[[str], bool] = lambda s: True,
    ):
        self.chat_model = chat_model
        self.prompt = prompt
        self.fallback = fallback
        self.keep_sentence = keep_sentence

    def answer(self, question: str, query_vector, passages: list[Passage]) -> Draft | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        shown = passages[:MAX_PASSAGES]
        citations = make_citations(shown)
        number = {c.source: c.n for c in citations}
        context = "\n\n".join(
            f"[{number[p.chunk.source]}] {p.chunk.title} - {p.chunk.section}\n{p.chunk.text}"
            for p in shown
        )
        try:
            reply = self.chat_model.invoke(
                [
                    SystemMessage(self.prompt),
                    HumanMessage(f"Passages:\n{context}\n\nQuestion: {question}"),
                ]
            )
            text = str(reply.content).strip()
        except Exception:  # a model server that is down must not break the chat
            return self.fallback.answer(question, query_vector, passages)
        text = " ".join(s for s in sentences_of(text) if self.keep_sentence(s))
        retrieved = {c.source for c in citations}
        if not citations_valid(text, citations, retrieved):
            return self.fallback.answer(question, query_vector, passages)
        used = markers(text)
        return Draft(text=text, citations=tuple(c for c in citations if c.n in used))


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
