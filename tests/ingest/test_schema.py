"""The index holds a vector per sentence and per heading, under a schema version: the answer
path calls the model only for the question, and an index of another schema is rebuilt."""

import subprocess
import sys

import numpy as np

from assistant.embed import OnnxEmbeddings, _onnx_file, bundled_model_path, load_embeddings
from assistant.ingest import build_indexer
from assistant.ingest.index import SCHEMA_VERSION
from assistant.types import sentence_id, sentences_of
from tests.helpers import REPO, make_settings


def test_every_sentence_and_heading_has_its_vector(settings, articles_copy, embeddings):
    indexer = build_indexer(settings, embeddings)
    indexer.sync([articles_copy], progress=False)
    chunks, _ = indexer.store.live_chunks(indexer.store.article_records())
    ids = [sentence_id(c.id, i) for c in chunks for i in range(len(sentences_of(c.text)))]
    stored = indexer.store.sentence_vectors(ids)
    assert len(stored) == len(ids) == indexer.store.sentences.count()
    chunk = chunks[3]
    first = sentences_of(chunk.text)[0]
    vector = stored[sentence_id(chunk.id, 0)]
    assert float(vector @ embeddings.encode([first])[0]) > 0.999  # the sentence's own vector
    names = {name for c in chunks for name in c.headings}
    assert set(indexer.store.heading_vectors(sorted(names))) == names
    assert indexer.store.headings.count() == len(names)
    assert indexer.store.info()["schema"] == SCHEMA_VERSION


def test_the_answer_path_calls_the_model_only_for_the_question(kb_assistant):
    before = kb_assistant.vectors.encoded
    for question in (
        "How long does whiplash take to heal?",
        "What exercises help with neck-related headaches?",
        "Can a pillow make my morning headaches worse?",
    ):
        assert kb_assistant.ask(question).kind == "answer"
    assert kb_assistant.vectors.encoded == before == 0


def test_an_index_of_another_schema_is_rebuilt_not_misread(settings, articles_copy, embeddings):
    build_indexer(settings, embeddings).sync([articles_copy], progress=False)
    indexer = build_indexer(settings, embeddings)
    indexer.store.set_info(schema=SCHEMA_VERSION - 1)
    report = indexer.sync([articles_copy], progress=False)
    assert report.rebuilt and len(report.added) == 3
    assert indexer.store.info()["schema"] == SCHEMA_VERSION


def test_removing_an_article_removes_its_sentences_and_headings(
    settings, articles_copy, embeddings
):
    indexer = build_indexer(settings, embeddings)
    indexer.sync([articles_copy], progress=False)
    (articles_copy / "surgery.md").unlink()
    indexer.sync([articles_copy], remove_missing=True, progress=False)
    left = indexer.store.sentences.get(include=["metadatas"])["metadatas"]
    assert left and all(m["source"] != "surgery.md" for m in left)
    titles = indexer.store.headings.get(include=["documents"])["documents"]
    assert not any(t.startswith("Surgery") for t in titles)


def test_an_unchanged_reingest_never_loads_the_model(tmp_path, articles_copy):
    settings = make_settings(tmp_path / "data")
    code = (
        "import sys; from assistant.cli import main; "
        f"main(['ingest', {str(articles_copy)!r}, '--json']); "
        "print('openvino' in sys.modules, 'torch' in sys.modules)"
    )
    env = {"ASSISTANT_DATA_DIR": str(settings.data_dir), "PATH": "/usr/bin:/bin"}
    run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    first = run()
    assert first.returncode == 0, first.stderr
    # It embedded three articles, on OpenVINO: torch is never imported.
    assert first.stdout.strip().endswith("True False")
    second = run()
    assert '"unchanged": 3' in second.stdout
    assert second.stdout.strip().endswith("False False")


def assert_torch_vectors(runtime: str, floor: float):
    """The runtime gives torch's vectors (to `floor`), its index name and its token counts."""
    torch_model = load_embeddings(runtime="torch")
    other = load_embeddings(runtime=runtime)
    # Texts of different lengths in one batch: padding must not leak into the vectors.
    texts = ["Neck pain?", "Whiplash is a neck injury caused by a sudden jolt of the head. " * 6]
    together = other.encode(texts, batch_size=2)
    assert np.all((together * torch_model.encode(texts)).sum(axis=1) > floor)
    other.forget()  # else the short text's vector would come from the batch above
    assert float(together[0] @ other.encode(texts[:1])[0]) > floor
    assert other.name == torch_model.name and other.weights == torch_model.weights
    assert other.count_tokens(texts[1]) == torch_model.count_tokens(texts[1])
    return other


def test_the_fp32_export_gives_the_torch_vectors_and_shares_their_index():
    assert_torch_vectors("onnx-fp32", 0.99999)


def test_openvino_gives_the_torch_vectors_to_bfloat16_precision_from_any_thread():
    from concurrent.futures import ThreadPoolExecutor

    openvino = assert_torch_vectors("openvino", 0.9999)
    # Each thread has its own infer request: visitors asking at once get their own vectors.
    questions = [f"question {i} about whiplash and {i % 7} kinds of headache" for i in range(24)]
    with ThreadPoolExecutor(6) as pool:
        at_once = list(pool.map(lambda q: openvino.encode([q])[0], questions))
    alone = openvino.encode(questions)
    assert np.all((np.array(at_once) * alone).sum(axis=1) > 0.9999)


def test_the_int8_onnx_runtime_gives_the_same_vectors(embeddings):
    onnx = OnnxEmbeddings(_onnx_file(), bundled_model_path(), "onnx")
    texts = ["Whiplash is a neck injury.", "Occipital neuralgia causes sharp pain behind the ear."]
    cosine = (onnx.encode(texts) * embeddings.encode(texts)).sum(axis=1)
    assert np.all(cosine > 0.995)
    assert onnx.count_tokens(texts[1]) == embeddings.count_tokens(texts[1])
    assert onnx.weights == embeddings.weights and onnx.name != embeddings.name
    assert np.allclose(np.linalg.norm(onnx.encode(texts), axis=1), 1, atol=1e-5)


def test_a_message_costs_one_model_call_however_many_stages_embed_it(monkeypatch):
    embeddings = load_embeddings()
    embeddings.forget()
    calls = []
    real = embeddings._encode
    monkeypatch.setattr(
        embeddings, "_encode", lambda texts, size: calls.append(list(texts)) or real(texts, size)
    )
    first = embeddings.encode(["Why does my NECK hurt?"])
    again = embeddings.encode(["why does my neck   hurt?", "A second message."])
    # The model lower-cases and splits on whitespace: the same words are not embedded twice.
    assert calls == [["why does my neck hurt?"], ["a second message."]]
    assert np.array_equal(first[0], again[0])
    batch = [f"an ingest batch, sentence {i}" for i in range(10)]
    embeddings.encode(batch)
    assert calls[-1] == batch  # ingest's batches never go through the cache
    embeddings.forget()
    embeddings.encode(["why does my neck hurt?"])
    assert calls[-1] == ["why does my neck hurt?"]


def test_a_message_of_several_sentences_costs_one_model_call(kb_assistant, monkeypatch):
    # The guard's classifier reads the sentences about now, retrieval the whole message: the
    # message rides along in the classifier's call, and a text much longer than the others
    # gets a call of its own rather than padding them all to its length.
    embeddings = kb_assistant.embeddings
    kb_assistant.ask("is physio good for a stiff neck?")  # the lexicon's terms: embedded once
    embeddings.forget()
    calls = []
    real = embeddings._encode
    monkeypatch.setattr(
        embeddings, "_encode", lambda texts, size: calls.append(list(texts)) or real(texts, size)
    )
    message = "Do I need an MRI for neck pain and headaches? My GP says no and I'm annoyed."
    reply = kb_assistant.ask(message)
    assert reply.kind == "answer"
    assert len(calls) == 1 and len(calls[0]) == 2, calls
    alone = real([" ".join(message.lower().split())], 32)[0]
    assert float(embeddings.encode([message])[0] @ alone) > 0.9999  # padding changes nothing
    short, long = "a stiff neck.", "why " + "does my neck hurt and my head ache " * 12
    embeddings.encode([short, long])
    assert calls[-2:] == [[short], [long.strip()]]
