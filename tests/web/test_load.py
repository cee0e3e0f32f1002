"""50 simultaneous visitors, each from its own address behind the trusted proxy, against the app
in its own process: every question gets a reply with the disclaimer, none is dropped."""

from assistant.eval.load import run_load, serve_app, stop_app
from assistant.texts import disclaimer_for
from tests.helpers import free_port

QUESTIONS = [
    "How long does whiplash take to heal?",
    "What exercises help a stiff neck?",
    "Can a pillow cause morning headaches?",
    "What is occipital neuralgia?",
]


def test_fifty_visitors_at_once_all_get_their_replies(kb_settings):
    process, url = serve_app(kb_settings.data_dir, free_port())
    try:
        figures = run_load(url, QUESTIONS, visitors=50, each=2)
    finally:
        stop_app(process)
    print({k: v for k, v in figures.items() if k != "replies_text"})
    assert figures["errors"] == 0, figures["error_examples"]
    assert figures["replies"] == figures["questions"] == 100  # nothing dropped
    disclaimer = disclaimer_for("answer", kb_settings)
    assert all(disclaimer in reply for reply in figures["replies_text"])
