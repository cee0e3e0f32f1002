"""The generative answerer's checks: it keeps a model's answer only when every citation is valid.

The model is scripted (the test is about the checks, not about a model server).
"""

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.ask.extractive import ExtractiveAnswerer
from assistant.ask.generative import ChatAnswerer
from assistant.ask.safety.answer_filter import unsafe_answer_sentence
from assistant.ask.vectors import IndexVectors
from assistant.types import Chunk, Passage

PASSAGE = Passage(
    chunk=Chunk(
        id="whiplash.md@abc#0",
        source="whiplash.md",
        title="Whiplash",
        section="Recovery",
        text="Most people with whiplash improve within a few weeks. Gentle movement helps.",
        position=0,
    ),
    score=1.0,
    similarity=0.8,
)


def answerer(response, embeddings):
    keep = lambda s: not unsafe_answer_sentence(s)  # noqa: E731
    return ChatAnswerer(
        FakeListChatModel(responses=[response]),
        "Answer from the passages.",
        ExtractiveAnswerer(IndexVectors(None, embeddings), 2, keep_sentence=keep),
        keep_sentence=keep,
    )


def ask(response, embeddings):
    question = "How long does whiplash last?"
    vector = embeddings.encode([question])[0]
    return answerer(response, embeddings).answer(question, vector, [PASSAGE])


def test_a_cited_model_answer_is_kept(embeddings):
    draft = ask("Most people improve within a few weeks [1].", embeddings)
    assert draft.text == "Most people improve within a few weeks [1]."
    assert [c.source for c in draft.citations] == ["whiplash.md"]


def test_an_invented_citation_falls_back_to_quoting(embeddings):
    draft = ask("Whiplash always heals in two days [4].", embeddings)
    assert "[4]" not in draft.text and "two days" not in draft.text
    assert draft.text.split(" [1]")[0] in PASSAGE.chunk.text


def test_an_uncited_model_answer_falls_back_to_quoting(embeddings):
    draft = ask("Whiplash gets better.", embeddings)
    assert "[1]" in draft.text and "Whiplash gets better." not in draft.text


def test_a_dose_sentence_from_the_model_is_dropped(embeddings):
    draft = ask(
        "Most people improve within a few weeks [1]. Take 400 mg of ibuprofen every 6 hours [1].",
        embeddings,
    )
    assert "400 mg" not in draft.text and "few weeks [1]" in draft.text
