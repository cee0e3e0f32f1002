"""Retrieval, answering, citations and the disclaimer on the project's own articles."""

import numpy as np
import pytest

from assistant.ask.answer import sentences_of
from assistant.ask.cite import MARKER as MARKERS
from assistant.ask.cite import citations_valid, markers
from assistant.ask.vectors import IndexVectors
from assistant.texts import disclaimer_for


def test_the_first_question_of_a_newcomer(kb_assistant, kb_settings):
    reply = kb_assistant.ask("Can problems in my neck cause headaches?")
    assert reply.kind == "answer"
    assert "cervicogenic-headache.md" in reply.sources[:3]
    assert reply.citations and markers(reply.text) == {c.n for c in reply.citations}
    assert citations_valid(reply.text, list(reply.citations), set(reply.sources))
    assert reply.disclaimer == disclaimer_for("answer", kb_settings)
    assert reply.disclaimer not in reply.text


def test_answer_sentences_are_verbatim_from_the_cited_passages(kb_assistant):
    reply = kb_assistant.ask("What does an MRI show about the neck?")
    retriever = kb_assistant.retriever
    article_text = {c.source: "" for c in retriever.chunks}
    for c in retriever.chunks:
        article_text[c.source] += " " + c.text
    by_number = {c.n: c.source for c in reply.citations}
    for part in reply.text.split("] "):  # each run of sentences ends with its article's [n]
        run, _, number = part.rstrip("]").rpartition(" [")
        for sentence in sentences_of(run):
            assert sentence in article_text[by_number[int(number)]], sentence


def test_retrieval_finds_the_article_that_answers(kb_assistant):
    cases = {
        "What is occipital neuralgia?": "occipital-neuralgia.md",
        "Is it safe to have my neck manipulated by a chiropractor?": "chiropractic-care.md",
        "How should I set up my desk and monitor?": "posture-and-ergonomics.md",
        "What is a radiofrequency ablation?": "injections-and-nerve-blocks.md",
    }
    for question, source in cases.items():
        assert kb_assistant.retriever.search(question).sources[0] == source, question


def test_a_question_the_articles_do_not_cover_is_declined(kb_assistant, kb_settings):
    reply = kb_assistant.ask("What is the best diet for kidney stones?")
    assert (reply.kind, reply.reason) == ("decline", "no_sources")
    assert reply.citations == ()
    assert reply.disclaimer == disclaimer_for("decline", kb_settings)
    assert kb_settings.booking_url in reply.text


def test_unsafe_sentences_never_reach_an_answer(kb_settings, embeddings):
    from assistant.ask.extractive import ExtractiveAnswerer
    from assistant.ask.retrieve import Retrieval  # noqa: F401  (the type the answerer receives)
    from assistant.types import Chunk, Passage

    chunk = Chunk(
        id="x#0",
        source="x.md",
        title="Pain relief",
        section="Medicines",
        text="Simple pain relievers can help neck pain for a short time. "
        "Take 400 mg of ibuprofen three times a day for neck pain. "
        "Using pain relievers on many days can cause rebound headaches.",
        position=0,
    )
    passage = Passage(chunk=chunk, score=1.0, similarity=0.8)
    answerer = ExtractiveAnswerer(
        IndexVectors(None, embeddings), 3, keep_sentence=lambda s: "mg" not in s
    )
    query = "how much ibuprofen for neck pain"
    draft = answerer.answer(query, embeddings.encode([query])[0], [passage])
    assert "400 mg" not in draft.text and "[1]" in draft.text


def test_sentences_of_splits_lists_and_sentences():
    text = "Rest helps. Heat can ease stiffness!\n- Gentle movement\n1. See a clinician"
    assert sentences_of(text) == [
        "Rest helps.",
        "Heat can ease stiffness!",
        "Gentle movement",
        "See a clinician",
    ]


def test_every_kind_of_reply_carries_its_disclaimer(kb_assistant, kb_settings):
    questions = [
        "How long does whiplash take to heal?",
        "I suddenly have the worst headache of my life and my vision is blurred right now",
        "How many milligrams of naproxen should I take?",
        "",
        "Write me a python script to sort a list",
    ]
    for question in questions:
        reply = kb_assistant.ask(question)
        assert reply.disclaimer == disclaimer_for(reply.kind, kb_settings), question
        assert reply.text.strip()


def test_follow_up_question_keeps_the_topic(kb_assistant):
    history = [
        {"role": "user", "content": "Can whiplash from a car accident cause headaches?"},
        {"role": "assistant", "content": "Yes, whiplash can lead to headaches. [1]"},
    ]
    reply = kb_assistant.ask("what about surgery for that?", history)
    assert reply.kind == "answer"
    assert {"whiplash.md", "surgery.md"} & set(reply.sources[:2])


def test_an_article_with_several_good_passages_outranks_one_lucky_match():
    from assistant.ask.retrieve import pooled_similarity_of

    one = np.array([0.61, 0.20, 0.10])
    several = np.array([0.60, 0.59, 0.58, 0.10])
    assert pooled_similarity_of(several) > pooled_similarity_of(one)
    # A single passage scores as itself; only the best few count, so length adds nothing.
    assert pooled_similarity_of(np.array([0.5])) == pytest.approx(0.5)
    padded = np.concatenate([several, np.full(50, 0.05)])
    assert pooled_similarity_of(padded) == pytest.approx(pooled_similarity_of(several))


@pytest.fixture(scope="session")
def runs_assistant(kb_settings, embeddings):
    from assistant.ask.assistant import Assistant

    return Assistant(kb_settings.model_copy(update={"answer_style": "runs"}), embeddings=embeddings)


def test_runs_are_short_and_lead_with_the_kind_of_answer_asked(runs_assistant):
    from assistant.ask.kinds import AnswerKinds
    from assistant.ask.runs import MAX_WORDS

    kinds = AnswerKinds.load()
    sections = {}
    for c in runs_assistant.retriever.chunks:
        sections.setdefault((c.source, c.section), "")
        sections[(c.source, c.section)] += " " + c.text
    for question, kind in [
        ("What causes occipital neuralgia?", "causes"),
        ("How long does whiplash take to heal?", "prognosis"),
        ("what should I bring to my first consultation", "practical"),
    ]:
        reply = runs_assistant.ask(question)
        first = sentences_of(reply.text)[0]
        home = next(key for key, text in sections.items() if first in text)
        assert kind in kinds.heading_kinds(home[1]), (question, home)
        assert len(MARKERS.sub("", reply.text).split()) <= MAX_WORDS


def test_runs_answer_a_comparison_from_both_sides_each_from_its_own_article(runs_assistant):
    reply = runs_assistant.ask("physio or chiropractor for neck headaches, which is better?")
    cited = {c.source for c in reply.citations}
    assert {"physical-therapy.md", "chiropractic-care.md"} <= cited
    assert "physical therap" in reply.text.lower() and "chiropract" in reply.text.lower()


def test_in_a_run_a_sentence_that_leans_on_the_one_before_comes_with_it(embeddings):
    from assistant.ask.runs import RunAnswerer
    from assistant.types import Chunk, Passage

    chunk = Chunk(
        id="n.md@1#0",
        source="n.md",
        title="Neck and head",
        section="How can a neck problem cause pain in the head?",
        text="The upper neck nerves share a relay station in the brainstem with the face nerves. "
        "Because these pathways meet, the brain can misread neck pain as head pain. "
        "Sitting still for hours is common in office work.",
        position=0,
    )
    answerer = RunAnswerer(IndexVectors(None, embeddings), 3)
    query = "why does the brain misread neck pain as head pain"
    draft = answerer.answer(query, embeddings.encode([query])[0], [Passage(chunk, 1.0, 0.8)])
    assert draft.text.startswith("The upper neck nerves share a relay station"), draft.text
    assert "Because these pathways meet" in draft.text


def test_a_run_never_says_the_same_thing_twice(embeddings):
    from assistant.ask.runs import RunAnswerer
    from assistant.types import Chunk, Passage

    said = "Gentle neck exercises can reduce headaches that come from the neck."
    chunk = Chunk(
        id="e.md@1#0",
        source="e.md",
        title="Exercises",
        section="Exercises that help",
        text=f"{said} {said.replace('can reduce', 'may reduce')} Chin tucks are one such exercise.",
        position=0,
    )
    answerer = RunAnswerer(IndexVectors(None, embeddings), 3)
    query = "do neck exercises help headaches"
    draft = answerer.answer(query, embeddings.encode([query])[0], [Passage(chunk, 1.0, 0.8)])
    assert draft.text.count("reduce headaches") == 1, draft.text


def test_the_answer_does_not_repeat_itself():
    from assistant.ask.extractive import ExtractiveAnswerer

    # Two sentences say the same thing; a third, slightly less relevant, says something new.
    vectors = np.array([[1.0, 0.0, 0.0], [0.99, 0.14, 0.0], [0.6, 0.0, 0.8]], dtype=np.float32)
    scores = np.array([0.80, 0.79, 0.70])
    answerer = ExtractiveAnswerer(vectors=None, max_sentences=2)
    assert answerer.pick_diverse(scores, vectors, ["a", "b", "c"]) == [0, 2]
    # A sentence far weaker than the best is never added just to fill the answer.
    weak = np.array([0.80, 0.79, 0.30])
    assert answerer.pick_diverse(weak, vectors, ["a", "b", "c"]) == [0, 1]
    # However weak, the best sentence is always there to quote.
    assert answerer.pick_diverse(-weak, vectors, ["a", "b", "c"])[0] == 2


def test_the_best_sentence_leads_unless_it_leans_on_the_one_before(embeddings):
    from assistant.ask.extractive import ExtractiveAnswerer
    from assistant.types import Chunk, Passage

    def reply_to(query: str, text: str) -> list[str]:
        chunk = Chunk(
            id="w.md@1#0", source="w.md", title="Whiplash", section="", text=text, position=0
        )
        answerer = ExtractiveAnswerer(IndexVectors(None, embeddings), 3)
        draft = answerer.answer(query, embeddings.encode([query])[0], [Passage(chunk, 1.0, 0.8)])
        return sentences_of(MARKERS.sub("", draft.text))

    query = "which symptoms after a car accident mean I should go to the emergency department?"
    background = (
        "Whiplash is a neck injury caused by a sudden movement of the head. "
        "Whiplash symptoms often appear within the first day after a car accident. "
    )
    signs = (
        "You should go to an emergency department after a car accident if you have severe neck "
        "pain, numbness in the arms, or repeated vomiting."
    )
    quoted = reply_to(query, background + signs)
    assert quoted[0] == signs, quoted  # the answer first, not third
    assert len(quoted) > 1
    assert quoted[1:] == [s for s in sentences_of(background) if s in quoted]  # reading order
    leaning = signs.replace("You should go", "Therefore you should go")
    assert reply_to(query, background + leaning)[0] != leaning  # never first without its reason


def test_an_articles_own_question_and_source_line_are_never_quoted(embeddings):
    from assistant.ask.extractive import ExtractiveAnswerer
    from assistant.types import Chunk, Passage

    # As MedQuAD's pages and the clinic's post come: a source line, a heading asked as a
    # question, a rhetorical question; each sits close to the question in meaning.
    text = (
        "Source: https://www.nlm.nih.gov/medlineplus/headache.html "
        "What causes tension headaches? "
        "Have you ever wondered what causes your tension headaches? "
        "Tension headaches are caused by tight muscles in the shoulders, neck, scalp and jaw. "
        "Stress, too little sleep and skipped meals make tension headaches more likely."
    )
    chunk = Chunk("h.md@1#0", "h.md", "Headache", "", text, position=0)
    answerer = ExtractiveAnswerer(IndexVectors(None, embeddings), 5)
    query = "what causes tension headaches?"
    draft = answerer.answer(query, embeddings.encode([query])[0], [Passage(chunk, 1.0, 0.8)])
    quoted = sentences_of(MARKERS.sub("", draft.text))
    assert quoted, draft
    assert all(not s.endswith("?") and "http" not in s for s in quoted), quoted
    assert any(s.startswith("Tension headaches are caused") for s in quoted)


def test_a_sentence_that_leans_on_one_left_out_is_not_quoted():
    from assistant.ask.extractive import ExtractiveAnswerer
    from assistant.types import Chunk, Passage

    sentences = [
        "The upper neck nerves meet the face nerves in the brainstem.",
        "Because these pathways meet, the brain can misread neck pain as head pain.",
        "Posture at a desk matters.",
        "These habits add up over a day.",
    ]
    chunk = Chunk("n.md@1#0", "n.md", "", "", " ".join(sentences), position=0)
    candidates = [(0, i, Passage(chunk, 1.0, 0.8), s) for i, s in enumerate(sentences)]
    without_orphans = ExtractiveAnswerer.without_orphans
    assert without_orphans([1, 0, 2], candidates) == [1, 0, 2]  # its antecedent is quoted
    assert without_orphans([1, 2, 3], candidates) == [2, 3]  # "Because these..." alone: out
    assert without_orphans([3], candidates) == [3]  # the only sentence left stays


def test_a_question_about_what_to_watch_for_gets_the_warning_signs(kb_assistant):
    from assistant.ask.kinds import AnswerKinds

    kinds = AnswerKinds.load()
    for question in (
        "what should i watch for after my neck adjustment?",
        "When should I stop a home exercise?",
    ):
        reply = kb_assistant.ask(question)
        quoted = sentences_of(MARKERS.sub("", reply.text))
        assert reply.kind == "answer" and any(kinds.lists_signs(s) for s in quoted), reply.text
