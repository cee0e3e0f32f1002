"""The web app over HTTP: the visitor /chat API (through gradio_client), the console switch,
root paths, and picking up new articles without a restart."""

import shutil
import urllib.error
import urllib.request

import pytest

from assistant.ingest import build_indexer
from assistant.settings import Settings
from assistant.texts import disclaimer_for, render
from assistant.types import Citation, Reply
from assistant.web.feedback import FeedbackLog
from assistant.web.render import render_reply
from tests.helpers import ARTICLES, REPO, make_settings, running_app

STAFF_WORDS = ("upload", "ingest", "sync", "remove", "login", "article", "feedback", "admin")


def chat(url: str, message: str) -> str:
    from gradio_client import Client

    return Client(url, verbose=False).predict(message, api_name="/chat")  # fresh session


@pytest.fixture(scope="module")
def kb_url(kb_assistant, kb_settings):
    with running_app(kb_assistant, kb_settings) as url:
        yield url


class ScriptedAssistant:
    """Streams a fixed reply, or fails, like the real Assistant's stream()."""

    def __init__(self, reply: Reply | None):
        self.reply = reply

    def stream(self, question, history):
        if self.reply is None:
            raise RuntimeError("boom")
        yield self.reply


# --- rendering ---------------------------------------------------------------------------


def test_render_reply_links_citations_and_sets_the_disclaimer_apart():
    reply = Reply(
        kind="answer",
        text="Whiplash can cause headaches. [1] Rest helps. [2]",
        disclaimer="General information, not medical advice.",
        citations=(
            Citation(1, "Whiplash", "whiplash.md", "https://clinic.example/whiplash", "..."),
            Citation(2, "Recovery <guide>", "recovery.md", None, "Rest & gentle movement."),
        ),
    )
    markdown = render_reply(reply)
    assert "[[1]](https://clinic.example/whiplash)" in markdown  # the marker is a link
    assert 'href="https://clinic.example/whiplash"' in markdown
    assert "[2]" in markdown and "<details><summary>[2] Recovery &lt;guide&gt;" in markdown
    assert "Rest &amp; gentle movement." in markdown
    assert markdown.endswith(
        '<div class="disclaimer">\n\nGeneral information, not medical advice.\n\n</div>'
    )


def test_render_emergency_is_styled_apart_with_the_number(tmp_path):
    settings = make_settings(tmp_path, emergency_number="112")
    reply = Reply(kind="emergency", text="Call 112 now.", disclaimer="Automatic message.")
    markdown = render_reply(reply, settings)
    assert markdown.startswith('<div class="emergency" role="alert">')
    assert 'href="tel:112"' in markdown and "Call 112 now</a>" in markdown


# --- the visitor API -----------------------------------------------------------------------


def test_chat_answers_with_citations_and_the_disclaimer(kb_url, kb_settings):
    markdown = chat(kb_url, "Can problems in my neck cause headaches?")
    assert "[1]" in markdown
    assert "Sources" in markdown
    assert disclaimer_for("answer", kb_settings) in markdown
    assert '<div class="disclaimer">' in markdown


def test_chat_escalates_an_emergency(kb_url, kb_settings):
    markdown = chat(
        kb_url, "I suddenly have the worst headache of my life and my speech is slurred"
    )
    assert render("emergency.md", kb_settings) in markdown
    assert 'class="emergency"' in markdown
    assert disclaimer_for("emergency", kb_settings) in markdown


def test_visitor_api_lists_only_chat(kb_url):
    from gradio_client import Client

    api = Client(kb_url, verbose=False).view_api(return_format="dict", print_info=False)
    assert list(api["named_endpoints"]) == ["/chat"]
    assert not api["unnamed_endpoints"]
    names = " ".join(api["named_endpoints"]).lower()
    assert not any(word in names for word in STAFF_WORDS)
    with urllib.request.urlopen(kb_url + "config") as response:
        config = response.read().decode()
    assert "Upload and ingest" not in config and "Re-sync" not in config


def test_console_is_off_without_a_password(kb_url):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(kb_url + "admin/")
    assert err.value.code == 403
    page = err.value.read().decode()
    assert "console is off" in page and "ASSISTANT_ADMIN_PASSWORD" in page


def test_a_failing_message_gets_a_polite_reply_and_the_app_goes_on(tmp_path):
    settings = make_settings(tmp_path / "data")
    with running_app(ScriptedAssistant(None), settings) as url:
        first = chat(url, "anything")
        assert "Sorry, something went wrong" in first
        assert disclaimer_for("decline", settings) in first
        assert "Sorry" in chat(url, "again")  # still serving


def test_no_sources_declines_are_logged_masked(tmp_path):
    settings = make_settings(tmp_path / "data")
    decline = Reply(
        kind="decline",
        reason="no_sources",
        text=render("decline-no_sources.md", settings),
        disclaimer=disclaimer_for("decline", settings),
    )
    with running_app(ScriptedAssistant(decline), settings) as url:
        chat(url, "Does a sauna help? Reach me on 555-123-4567 or bo@example.com")
    [item] = FeedbackLog(settings.data_dir).recent()
    assert item.kind == "no_sources"
    assert item.question == "Does a sauna help? Reach me on [phone] or [email]"


def test_root_path_serves_under_a_sub_path(tmp_path):
    settings = make_settings(tmp_path / "data", root_path="/faq")
    with running_app(ScriptedAssistant(None), settings) as url:
        with urllib.request.urlopen(url + "config") as response:
            config = response.read().decode()
        assert '"root":"http://127.0.0.1:' in config.replace(" ", "")
        assert '/faq"' in config.replace(" ", "")


def test_running_app_answers_from_an_article_ingested_after_start(tmp_path, embeddings):
    from assistant.ask.assistant import Assistant
    from assistant.ingest import ingest

    folder = tmp_path / "articles"
    folder.mkdir()
    for name in ("whiplash.md", "physical-therapy.md"):
        shutil.copy(ARTICLES / name, folder / name)
    settings = Settings(data_dir=tmp_path / "data", articles_dir=folder)
    build_indexer(settings, embeddings).sync([folder], progress=False)
    assistant = Assistant(settings, embeddings=embeddings)
    question = "Can a sauna session ease neck tension headaches?"
    with running_app(assistant, settings) as url:
        assert "Saunas and neck tension" not in chat(url, question)
        (folder / "sauna.md").write_text(
            "---\ntitle: Saunas and neck tension\ntags: [sauna, heat]\n---\n"
            "## Can a sauna help neck tension?\n"
            "A warm sauna session can relax tight neck and shoulder muscles, which may ease "
            "tension-type headaches for a while. Drink water and leave the sauna if you feel "
            "dizzy or unwell.\n"
        )
        report = ingest(settings, [folder], sync=False, progress=False)
        assert report.added == ["sauna.md"]
        markdown = chat(url, question)  # same app, no restart
        assert "Saunas and neck tension" in markdown and "[1]" in markdown


def _printed_by_fresh_process(code: str) -> str:
    """What `python -c code` prints, run from the repo in a process of its own."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_web_process_imports_nothing_only_eval_or_reports_use():
    code = (
        "import sys, app, assistant.web.server; "
        "print(sorted({m.split('.')[0] if not m.startswith('assistant.') else m "
        "for m in sys.modules if m.startswith(('matplotlib', 'assistant.eval', 'pytest'))}))"
    )
    assert _printed_by_fresh_process(code) == "[]"


def test_the_served_app_keeps_matplotlib_out_through_gradios_events():
    """Gradio imports matplotlib around every event when it can; the served app's process
    makes that import fail at once, so no event imports it."""
    code = (
        "import sys, app; from assistant.web.server import keep_out_of_process; "
        "keep_out_of_process(); from gradio import utils; "
        "exec('with utils.MatplotlibBackendMananger(): pass'); "
        "print(sys.modules.get('matplotlib'))"
    )
    assert _printed_by_fresh_process(code) == "None"


def test_shown_as_text_and_read_back_unchanged():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from assistant.web.render import as_text, from_text

    @settings(max_examples=500, database=None, derandomize=True)
    @given(st.text())
    def round_trip(text):
        shown = as_text(text)
        assert from_text(shown) == text
        assert "<" not in shown.replace("\\<", "")  # no tag can open

    round_trip()
