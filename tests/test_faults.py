"""Faults in what the app depends on, with the real parts: a `chroma run` server stopped in the
middle of a conversation and started again."""

from assistant.ask.assistant import Assistant
from assistant.ingest import build_indexer
from assistant.texts import disclaimer_for, render
from tests.helpers import free_port, make_settings, running_app, start_chroma

QUESTION = "How long does whiplash take to get better after a car accident?"
EMERGENCY = "the worst headache of my life started suddenly a minute ago and I am vomiting"


def test_the_chroma_server_stops_and_comes_back(tmp_path, articles_copy, embeddings):
    from gradio_client import Client

    port = free_port()
    server = start_chroma(tmp_path / "server", port)
    try:
        settings = make_settings(tmp_path / "data", chroma_host="127.0.0.1", chroma_port=port)
        build_indexer(settings, embeddings).sync([articles_copy], progress=False)
        assistant = Assistant(settings, embeddings=embeddings)
        with running_app(assistant, settings) as url:
            visitor = Client(url, verbose=False)
            assert disclaimer_for("answer", settings) in visitor.predict(QUESTION, api_name="/chat")
            assert assistant.ask(QUESTION).kind == "answer"

            server.terminate()
            server.wait(timeout=20)
            down = assistant.ask(QUESTION)
            assert (down.kind, down.reason) == ("decline", "unavailable")
            assert down.disclaimer == disclaimer_for("decline", settings)
            assert assistant.ask(EMERGENCY).kind == "emergency"  # triage needs no store
            shown = visitor.predict(QUESTION, api_name="/chat")  # the app stays up
            assert render("decline-unavailable.md", settings).split(".")[0] in shown
            assert "call" in visitor.predict(EMERGENCY, api_name="/chat").lower()

            server = start_chroma(tmp_path / "server", port)  # same data, same port
            back = assistant.ask(QUESTION)
            assert back.kind == "answer" and back.sources[0] == "whiplash.md"
            fresh = Client(url, verbose=False)  # a new visitor: the emergency above is not theirs
            assert disclaimer_for("answer", settings) in fresh.predict(QUESTION, api_name="/chat")
    finally:
        server.terminate()
        server.wait(timeout=20)
