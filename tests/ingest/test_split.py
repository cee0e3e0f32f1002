from assistant.ingest.load import load_article
from assistant.ingest.split import SplitSettings, Splitter
from assistant.types import Article
from tests.helpers import ARTICLES, CLINIC_ARTICLE


def splitter(embeddings, chunk_tokens=200):
    return Splitter(embeddings.count_tokens, SplitSettings(chunk_tokens, 40, embeddings.max_tokens))


def test_chunks_fit_the_model_window_and_know_their_section(embeddings):
    s = splitter(embeddings)
    for path in sorted(ARTICLES.glob("*.md")):
        for chunk in s.split(load_article(path, ARTICLES)):
            assert s.count_tokens(chunk.embedded_text) <= embeddings.max_tokens - 2
            assert chunk.embedded_text.startswith(chunk.title)
            assert chunk.section, f"{chunk.id} has no section"


def test_ids_are_stable_and_carry_the_content_hash(embeddings):
    article = load_article(CLINIC_ARTICLE, CLINIC_ARTICLE.parent)
    first = [c.id for c in splitter(embeddings).split(article)]
    again = [c.id for c in splitter(embeddings).split(article)]
    assert first == again and len(set(first)) == len(first)
    assert all(article.content_hash[:16] in i for i in first)
    sections = {c.section for c in splitter(embeddings).split(article)}
    assert "When Surgery Becomes Necessary" in sections


def test_long_section_is_split_with_nothing_lost(embeddings):
    words = " ".join(
        f"Sentence number {i} talks about neck muscles and posture." for i in range(120)
    )
    article = Article(
        source="long.md",
        folder="/x",
        title="Long",
        text=f"## Part\n{words}",
        content_hash="abc" * 10,
    )
    chunks = splitter(embeddings, chunk_tokens=100).split(article)
    assert len(chunks) > 5
    joined = " ".join(c.text for c in chunks)
    for i in (0, 57, 119):
        assert f"Sentence number {i} talks" in joined
