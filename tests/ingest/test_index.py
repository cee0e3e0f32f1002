"""Ingestion against real Chroma and the real model: idempotence, updates, removal, repair."""

import pytest

from assistant.ask.retrieve import RetrievalSettings, Retriever
from assistant.errors import IndexLockedError
from assistant.ingest import build_indexer
from assistant.ingest.index import ingest_lock
from assistant.types import sentences_of
from tests.helpers import make_settings


class CountingEmbeddings:
    """The real model, counting what it is asked to embed."""

    def __init__(self, real):
        self.real = real
        self.name, self.dimension, self.max_tokens = real.name, real.dimension, real.max_tokens
        self.count_tokens = real.count_tokens
        self.embedded: list[str] = []

    def encode(self, texts, **kwargs):
        self.embedded.extend(texts)
        return self.real.encode(texts, **kwargs)


@pytest.fixture
def counting(embeddings):
    return CountingEmbeddings(embeddings)


def chunk_ids(indexer):
    return indexer.store.chunks.get(include=[])["ids"]


def test_ingest_twice_embeds_nothing_the_second_time(settings, articles_copy, counting):
    indexer = build_indexer(settings, counting)
    first = indexer.sync([articles_copy], progress=False)
    assert sorted(first.added) == ["physical-therapy.md", "surgery.md", "whiplash.md"]
    ids = chunk_ids(indexer)
    assert len(ids) == first.chunks
    # Each chunk once, each of its sentences once, each heading once: one model pass each.
    sentences = indexer.store.sentences.count()
    headings = indexer.store.headings.count()
    assert len(counting.embedded) == first.chunks + sentences + headings
    assert len(set(counting.embedded)) >= first.chunks + headings

    counting.embedded.clear()
    second = build_indexer(settings, counting).sync([articles_copy], progress=False)
    assert counting.embedded == []
    assert len(second.unchanged) == 3 and not second.added and not second.updated
    assert sorted(chunk_ids(indexer)) == sorted(ids)


def test_changed_article_replaces_only_its_chunks(settings, articles_copy, counting):
    indexer = build_indexer(settings, counting)
    indexer.sync([articles_copy], progress=False)
    before = set(chunk_ids(indexer))
    whiplash = articles_copy / "whiplash.md"
    whiplash.write_text(
        whiplash.read_text() + "\n## Driving again\nMost people can drive "
        "again once they can turn their head comfortably to check blind spots.\n"
    )

    counting.embedded.clear()
    report = indexer.sync([articles_copy], progress=False)
    assert report.updated == ["whiplash.md"] and len(report.unchanged) == 2
    after = set(chunk_ids(indexer))
    assert {i for i in before if not i.startswith("whiplash.md@")} <= after  # others untouched
    assert not any(i in after for i in before if i.startswith("whiplash.md@"))  # old replaced
    new_whiplash = [i for i in after if i.startswith("whiplash.md@")]
    # Only whiplash was embedded: its chunks, their sentences, and its one new heading.
    whiplash_chunks = indexer.store.chunks.get(ids=new_whiplash, include=["documents"])
    sentences = sum(len(sentences_of(d)) for d in whiplash_chunks["documents"])
    assert len(counting.embedded) == len(new_whiplash) + sentences + 2  # "Driving again" x2
    assert all(
        "Surgery" not in t and "physical therapy" not in t.lower() for t in counting.embedded
    )
    assert report.chunks == len(after)


def test_sync_removes_articles_whose_files_are_gone(settings, articles_copy, embeddings):
    indexer = build_indexer(settings, embeddings)
    indexer.sync([articles_copy], progress=False)
    (articles_copy / "surgery.md").unlink()

    plain = indexer.sync([articles_copy], progress=False)
    assert plain.removed == []  # without --sync nothing is removed
    report = indexer.sync([articles_copy], remove_missing=True, progress=False)
    assert report.removed == ["surgery.md"]
    assert not any(i.startswith("surgery.md@") for i in chunk_ids(indexer))
    assert "surgery.md" not in indexer.store.article_records()


def test_sync_of_one_folder_leaves_other_folders_alone(
    settings, articles_copy, tmp_path, embeddings
):
    other = tmp_path / "other"
    other.mkdir()
    (other / "extra.md").write_text("# Extra\n\nAn extra article about neck stretches at work.\n")
    indexer = build_indexer(settings, embeddings)
    indexer.sync([articles_copy, other], progress=False)
    report = indexer.sync([articles_copy], remove_missing=True, progress=False)
    assert report.removed == []
    assert "extra.md" in indexer.store.article_records()


def test_a_broken_file_is_reported_and_the_rest_ingested(settings, articles_copy, embeddings):
    (articles_copy / "broken.md").write_bytes(b"\xff\xfe\x00\x01binary")
    (articles_copy / "empty.txt").write_text("")
    report = build_indexer(settings, embeddings).sync([articles_copy], progress=False)
    assert len(report.added) == 3
    failed = dict(report.failed)
    assert set(failed) == {"broken.md", "empty.txt"}
    assert "binary" in failed["broken.md"] and "empty" in failed["empty.txt"]


def test_a_broken_update_keeps_the_previous_version(settings, articles_copy, embeddings):
    indexer = build_indexer(settings, embeddings)
    indexer.sync([articles_copy], progress=False)
    (articles_copy / "whiplash.md").write_text("---\ntitle: [oops\n---\nbody text here, long.\n")
    report = indexer.sync([articles_copy], remove_missing=True, progress=False)
    assert [s for s, _ in report.failed] == ["whiplash.md"] and report.removed == []
    assert "whiplash.md" in indexer.store.article_records()


def test_same_source_from_another_folder_is_refused(settings, articles_copy, tmp_path, embeddings):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "whiplash.md").write_text("# Impostor\n\nA different article with the same name.\n")
    indexer = build_indexer(settings, embeddings)
    indexer.sync([articles_copy], progress=False)
    report = indexer.sync([other], progress=False)
    assert [s for s, _ in report.failed] == ["whiplash.md"]
    assert "already ingested" in report.failed[0][1]
    assert indexer.store.article_records()["whiplash.md"].folder == str(articles_copy)


def test_interrupted_update_is_invisible_and_repaired(settings, articles_copy, embeddings):
    indexer = build_indexer(settings, embeddings)
    indexer.sync([articles_copy], progress=False)
    records = indexer.store.article_records()
    # A run killed after writing new chunks but before committing the article record:
    from assistant.ingest.load import load_article

    path = articles_copy / "surgery.md"
    path.write_text(path.read_text().replace("surgery", "an operation"))
    article = load_article(path, articles_copy)
    chunks = indexer.splitter.split(article)
    indexer.store.add_chunks(
        chunks, embeddings.encode([c.embedded_text for c in chunks]), article.content_hash, None
    )

    retriever = Retriever(indexer.store, embeddings, RetrievalSettings.from_settings(settings))
    live_ids = {c.id for c in retriever.chunks}
    assert not any(c.id in live_ids for c in chunks)  # the half-written version is not live
    assert len(retriever.chunks) == sum(r.chunks for r in records.values())

    report = indexer.sync([articles_copy], progress=False)  # the next run repairs
    assert report.updated == ["surgery.md"]
    surgery_ids = [i for i in chunk_ids(indexer) if i.startswith("surgery.md@")]
    assert len(surgery_ids) == indexer.store.article_records()["surgery.md"].chunks


def test_new_splitter_settings_rebuild_the_index(tmp_path, articles_copy, embeddings):
    indexer = build_indexer(make_settings(tmp_path / "d"), embeddings)
    first = indexer.sync([articles_copy], progress=False)
    smaller = build_indexer(make_settings(tmp_path / "d", chunk_tokens=80), embeddings)
    report = smaller.sync([articles_copy], progress=False)
    assert report.rebuilt and len(report.added) == 3
    assert report.chunks > first.chunks
    ids = chunk_ids(smaller)
    assert len(ids) == sum(r.chunks for r in smaller.store.article_records().values())


def test_one_writer_at_a_time(tmp_path):
    with (
        ingest_lock(tmp_path),
        pytest.raises(IndexLockedError, match="another ingest"),
        ingest_lock(tmp_path),
    ):
        pass
    with ingest_lock(tmp_path):  # released again
        pass


def test_two_folders_claiming_one_source_in_one_run(settings, tmp_path, embeddings):
    """Files are embedded in batches: the second claim is refused before anything is written."""
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, text in ((a, "first"), (b, "second")):
        folder.mkdir()
        (folder / "same.md").write_text(f"# Same name\n\nThe {text} article about neck pain.\n")
    report = build_indexer(settings, embeddings).sync([a, b], progress=False)
    assert report.added == ["same.md"]
    assert [source for source, _ in report.failed] == ["same.md"]
    assert "already ingested" in report.failed[0][1]
    records = build_indexer(settings, embeddings).store.article_records()
    assert records["same.md"].folder == str(a.resolve())
