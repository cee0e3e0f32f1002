"""The generative answerer: streamed, sentence by sentence, each kept only when its cited
passage supports it, over the project's real index.

The chat model is scripted (LangChain's fake, or a scripted OpenAI-compatible server over real
HTTP): these tests are about what the assistant does with a model's words.
"""

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.ask.assistant import Assistant
from assistant.ask.cite import citations_valid, markers
from assistant.ask.generative import ChatAnswerer
from assistant.ask.grounding import Grounding
from assistant.web.render import render_reply
from tests.scripted_llm import scripted_server

QUESTION = "How long does whiplash take to get better?"
# Faithful: each sentence restates the whiplash article's recovery section in other words.
FAITHFUL = [
    "Many people with whiplash improve noticeably within a few weeks [1].",
    "A large share of people recover within about three months [1].",
    "A minority still have symptoms, including headache, for longer than three months [1].",
]
# Unsupported, with a valid marker: an invented claim, a changed number, a named treatment.
INVENTED = [
    "Chiropractic manipulation cures whiplash in almost every case [1].",
    "Most people recover fully within 10 days [1].",
    "Taking ibuprofen every day speeds up whiplash recovery [1].",
]


class RecordingModel(FakeListChatModel):
    """The fake chat model, remembering the messages of each call."""

    seen: list = []

    def _stream(self, messages, *args, **kwargs):
        self.seen.append(messages)
        return super()._stream(messages, *args, **kwargs)


def generative(kb_settings, embeddings, chat_model, **settings) -> Assistant:
    assistant = Assistant(kb_settings.model_copy(update=settings), embeddings=embeddings)
    assistant.answerer = ChatAnswerer(
        chat_model,
        "Answer from the passages.",
        assistant.answerer,
        Grounding(embeddings),
        assistant.vectors,
        history_turns=settings.get("llm_history_turns", 6),
    )
    return assistant


def check(reply):
    assert reply.kind == "answer" and reply.disclaimer
    assert citations_valid(reply.text, list(reply.citations), set(reply.sources))


def test_a_faithful_cited_answer_comes_through_intact(kb_settings, embeddings):
    model = FakeListChatModel(responses=[" ".join(FAITHFUL)])
    reply = generative(kb_settings, embeddings, model).ask(QUESTION)
    check(reply)
    assert reply.text == " ".join(FAITHFUL)
    assert [c.source for c in reply.citations] == ["whiplash.md"]
    assert reply.generation.kept == 3 and not reply.generation.fallback


def test_exactly_the_unsupported_sentences_are_removed(kb_settings, embeddings):
    mixed = [FAITHFUL[0], INVENTED[0], FAITHFUL[1], INVENTED[1], FAITHFUL[2], INVENTED[2]]
    model = FakeListChatModel(responses=[" ".join(mixed)])
    reply = generative(kb_settings, embeddings, model).ask(QUESTION)
    check(reply)
    assert reply.text == " ".join(FAITHFUL)
    assert reply.generation.generated == 6 and reply.generation.kept == 3


def test_the_answer_is_shown_as_its_sentences_are_accepted(kb_settings, embeddings):
    model = FakeListChatModel(responses=[" ".join([FAITHFUL[0], INVENTED[0], *FAITHFUL[1:]])])
    replies = list(generative(kb_settings, embeddings, model).stream(QUESTION))
    shown = [r.text for r in replies]
    # Nothing before two accepted sentences; then one more each time; the last is the answer.
    assert shown[0] == " ".join(FAITHFUL[:2])
    assert shown[1] == " ".join(FAITHFUL)
    assert shown[-1] == " ".join(FAITHFUL)
    assert all(r.disclaimer for r in replies)


def test_fewer_than_two_supported_sentences_give_the_quoted_answer(kb_settings, embeddings):
    model = FakeListChatModel(responses=[" ".join([FAITHFUL[0], *INVENTED])])
    assistant = generative(kb_settings, embeddings, model)
    reply = assistant.ask(QUESTION)
    check(reply)
    assert reply.generation.fallback and reply.generation.kept == 1
    assert "ibuprofen" not in reply.text and "cures" not in reply.text
    # the quoted answer: its first sentence is the start of a cited passage's snippet
    assert reply.citations[0].snippet.startswith(reply.text.split(" [")[0][:60])


def test_markers_that_point_to_no_passage_are_removed(kb_settings, embeddings):
    answer = (
        "Many people with whiplash improve noticeably within a few weeks [1][7]. "
        "A large share of people recover within about three months [9]. " + " ".join(FAITHFUL[1:])
    )
    reply = generative(kb_settings, embeddings, FakeListChatModel(responses=[answer])).ask(QUESTION)
    check(reply)
    assert markers(reply.text) == {1}
    assert reply.text == " ".join(FAITHFUL)  # the [9]-only sentence is gone with its marker


def test_a_dose_sentence_is_dropped_even_when_cited(kb_settings, embeddings):
    answer = " ".join([FAITHFUL[0], "Take 400 mg of ibuprofen every 6 hours [1].", FAITHFUL[1]])
    reply = generative(kb_settings, embeddings, FakeListChatModel(responses=[answer])).ask(QUESTION)
    assert "400 mg" not in reply.text and reply.text == " ".join(FAITHFUL[:2])


def test_a_model_that_fails_mid_answer_falls_back_cleanly(kb_settings, embeddings):
    # The fake raises after 40 characters: inside the first sentence.
    model = FakeListChatModel(responses=[" ".join(FAITHFUL)], error_on_chunk_number=40)
    reply = generative(kb_settings, embeddings, model).ask(QUESTION)
    check(reply)
    assert reply.generation.failed and reply.generation.fallback


def test_the_prompt_holds_the_newest_turns_in_order(kb_settings, embeddings):
    model = RecordingModel(responses=[" ".join(FAITHFUL)])
    model.seen.clear()
    history = [
        {"role": "user", "content": "turn one: do pillows matter?"},
        {
            "role": "assistant",
            "content": 'Pillows matter \\[1\\]\\.\n\n<div class="sources">x</div>',
        },
        {"role": "user", "content": "turn three: I was in a car crash last year"},
        {"role": "assistant", "content": "Whiplash is common after a crash \\[1\\]\\."},
    ]
    assistant = generative(kb_settings, embeddings, model, llm_history_turns=3)
    assistant.ask(QUESTION, history)
    (messages,) = model.seen
    kinds = [m.type for m in messages]
    texts = [m.content for m in messages]
    assert kinds == ["system", "ai", "human", "ai", "human"]
    assert texts[1] == "Pillows matter [1]."  # shown markup and sources gone
    assert texts[2] == "turn three: I was in a car crash last year"
    assert texts[-1].endswith(f"Question: {QUESTION}") and "[1] Whiplash" in texts[-1]


def test_markup_in_model_output_is_shown_as_text(kb_settings, embeddings):
    answer = (
        "Many people with whiplash improve noticeably within a few weeks [1]. "
        "A large share of people recover within about three months "
        "<img src=x onerror=alert(1)> [1]."
    )
    reply = generative(kb_settings, embeddings, FakeListChatModel(responses=[answer])).ask(QUESTION)
    shown = render_reply(reply)
    # Whether the grounding keeps that sentence or not, no element reaches the page.
    assert "<img" not in shown.replace("\\<img", "")
    assert "Many people with whiplash improve" in shown


@pytest.fixture
def invented_claim_server():
    """A real OpenAI-compatible server whose cited answers carry one invented claim."""
    answer = " ".join([FAITHFUL[0], INVENTED[0], FAITHFUL[1], FAITHFUL[2]])
    with scripted_server(lambda body: answer) as (base_url, record):
        yield base_url, record


def test_a_streaming_server_that_invents_a_claim_over_http(
    kb_settings, embeddings, invented_claim_server
):
    base_url, record = invented_claim_server
    settings = kb_settings.model_copy(update={"answer_backend": "openai", "llm_base_url": base_url})
    replies = list(Assistant(settings, embeddings=embeddings).stream(QUESTION))
    assert record.requests[0]["stream"] is True
    assert [r.text for r in replies][0] == " ".join(FAITHFUL[:2])
    check(replies[-1])
    assert replies[-1].text == " ".join(FAITHFUL)
    assert replies[-1].generation.tokens > 20


def test_a_server_that_dies_mid_stream_falls_back(kb_settings, embeddings):
    with scripted_server(lambda body: " ".join(FAITHFUL), stop_after=5) as (base_url, _):
        settings = kb_settings.model_copy(
            update={"answer_backend": "openai", "llm_base_url": base_url, "llm_timeout_s": 10}
        )
        reply = Assistant(settings, embeddings=embeddings).ask(QUESTION)
    check(reply)
    assert reply.generation.fallback


def test_echoed_source_headers_and_questions_are_not_answer_sentences(kb_settings, embeddings):
    # What the bundled base Gemma 270M mostly writes: the passages' "[n] Title - Section"
    # headers, and the question back.
    echo = (
        "[1] Whiplash - How long whiplash takes to heal\n"
        "[1] Whiplash - How whiplash is treated\n"
        "How long does whiplash take to get better [1]?\n" + " ".join(FAITHFUL[:2])
    )
    reply = generative(kb_settings, embeddings, FakeListChatModel(responses=[echo])).ask(QUESTION)
    check(reply)
    assert reply.text == " ".join(FAITHFUL[:2])
    assert reply.generation.generated == 5 and reply.generation.kept == 2
