"""Questions on health topics the articles do not cover are declined, not answered with quotes
about something else; questions the articles do cover, and articles the clinic adds, still are."""

import json

import pytest

from assistant.ask.assistant import Assistant
from assistant.ask.coverage import Coverage
from assistant.ask.vectors import IndexVectors
from assistant.ingest import build_indexer
from tests.helpers import ARTICLES, make_settings

EVALSETS = ARTICLES.parent / "evalsets"


def questions(name: str) -> list[str]:
    lines = (EVALSETS / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


@pytest.mark.parametrize(
    "question",
    [
        "how long will my cold last, I keep sneezing",
        "is ibuprofen gel good for a twisted ankle",
        "what are the early signs of diabetes",
    ],
)
def test_uncovered_topics_are_declined(kb_assistant, question):
    reply = kb_assistant.ask(question)
    assert (reply.kind, reply.reason) == ("decline", "no_sources"), reply.text
    assert reply.citations == ()


@pytest.mark.parametrize(
    "question",
    [
        "I caught the flu last week and now my neck is stiff",  # names an uncovered topic
        "I get headaches behind my eyes after screen work",
        "is snoring linked to my morning headaches",
        "my jaw clicks and my head aches",
    ],
)
def test_covered_questions_near_uncovered_topics_are_answered(kb_assistant, question):
    assert kb_assistant.ask(question).kind == "answer"


def test_sets_written_without_seeing_the_code(kb_assistant):
    """Most uncovered questions declined; none of the articles' own questions lost to it."""
    uncovered = [kb_assistant.ask(q) for q in questions("uncovered.jsonl")]
    declined = sum(r.kind == "decline" for r in uncovered) / len(uncovered)
    covered = [kb_assistant.ask(q) for q in questions("holdout.jsonl")]
    print(f"uncovered declined {declined:.2f}")
    assert declined >= 0.65
    assert [r.kind for r in covered].count("decline") == 0


def test_an_article_the_clinic_adds_on_a_listed_topic_is_answered(tmp_path, embeddings):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "tennis-elbow.md").write_text(
        "---\ntitle: Tennis elbow\n---\n## What is tennis elbow?\n"
        "Tennis elbow is pain on the outside of the elbow from overused forearm tendons. Rest "
        "from the activity that strains it, and exercises that load the tendon gradually, help "
        "most people recover over some months.\n",
        encoding="utf-8",
    )
    settings = make_settings(tmp_path / "data")
    build_indexer(settings, embeddings).sync([folder], progress=False)
    reply = Assistant(settings, embeddings=embeddings).ask("how is tennis elbow treated?")
    assert reply.kind == "answer"
    assert [c.source for c in reply.citations] == ["tennis-elbow.md"]


def test_the_clinic_replaces_the_topic_list(tmp_path, embeddings):
    (tmp_path / "not-covered.txt").write_text("# ours\nhorse riding injuries\n", encoding="utf-8")
    vectors = IndexVectors(None, embeddings)
    assert Coverage(vectors, embeddings, tmp_path).topics == ["horse riding injuries"]
    assert "flu symptoms" in Coverage(vectors, embeddings).topics
