"""The everyday-words lexicon: lay phrasings gain the articles' terms, whole words only."""

from assistant.ask.lexicon import expand_query, load_lexicon


def test_shipped_lexicon_expands_a_lay_phrase():
    lexicon = load_lexicon(None)
    assert len(lexicon) > 50
    expanded = expand_query("got rear ended last week and my neck hurts", lexicon)
    assert expanded.startswith("got rear ended last week and my neck hurts ")
    assert "whiplash" in expanded


def test_only_whole_words_match_and_each_term_is_added_once(tmp_path):
    (tmp_path / "lay-terms.txt").write_text(
        "# comment\nbrain freeze = cold headache\ncrick = stiff neck\ncricked = stiff neck\n"
    )
    lexicon = load_lexicon(tmp_path)
    assert expand_query("my cricket bat", lexicon) == "my cricket bat"
    assert expand_query("a crick, cricked again", lexicon) == "a crick, cricked again stiff neck"
    assert expand_query("Brain Freeze", lexicon) == "Brain Freeze cold headache"


def test_a_clinic_copy_replaces_the_shipped_list(tmp_path):
    (tmp_path / "lay-terms.txt").write_text("wonky = crooked\n")
    assert expand_query("got rear ended", load_lexicon(tmp_path)) == "got rear ended"


def test_an_expanded_question_costs_one_model_call_and_searches_as_its_expanded_text(
    kb_assistant, embeddings
):
    """The search vector of an expanded question is built from the question's own vector and
    the added terms' (embedded once, beforehand), close to the vector of the expanded text."""
    import numpy as np

    retriever = kb_assistant.retriever
    question = "got rear ended and now my neck hurts when I turn"
    retriever.search("a physio warm-up")  # the lexicon's terms are embedded at first use
    embeddings.forget()
    texts: list[list[str]] = []
    real = embeddings._encode

    def counting(batch, batch_size):
        texts.append(list(batch))
        return real(batch, batch_size)

    embeddings._encode = counting
    try:
        retrieval = retriever.search(question)
    finally:
        del embeddings._encode
    assert texts == [[" ".join(question.lower().split())]]  # the question alone, once
    expanded = expand_query(question, retriever.lexicon)
    assert expanded != question
    exact = np.asarray(embeddings.encode([expanded])[0])
    assert float(exact @ retrieval.query_vector) > 0.9
    assert retrieval.sources[0] == "whiplash.md"
