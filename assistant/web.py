"""The visitor chat page (Gradio). Replies come whole from the Assistant; this only renders."""

import html
import logging

import gradio as gr

from .followup import message_text
from .settings import Settings
from .texts import disclaimer_for
from .types import Reply

log = logging.getLogger(__name__)

EXAMPLES = [
    "Can problems in my neck cause headaches?",
    "How is a cervicogenic headache diagnosed?",
    "What exercises help with neck-related headaches?",
    "Could whiplash from a car accident cause my headaches?",
]

CSS = """
.disclaimer { font-size: 0.85em; opacity: 0.85; border-top: 1px solid #ccc; margin-top: 0.6em;
  padding-top: 0.4em; }
.emergency { background: #fdecea; color: #611a15; border-left: 6px solid #d32f2f;
  padding: 0.6em 0.8em; font-weight: 600; }
.book { display: inline-block; padding: 0.5em 1em; background: #1565c0; color: #fff !important;
  border-radius: 6px; text-decoration: none; font-weight: 600; }
"""


def render_reply(reply: Reply) -> str:
    """One Markdown string: the answer with [n] markers, its sources, then the disclaimer."""
    parts = []
    if reply.kind == "emergency":
        parts.append(f'<div class="emergency">\n\n{reply.text}\n\n</div>')
    else:
        parts.append(reply.text)
    if reply.citations:
        lines = ["**Sources**"]
        for c in reply.citations:
            if c.url:
                lines.append(f"{c.n}. [{c.title}]({c.url})")
            else:
                lines.append(
                    f"{c.n}. <details><summary>{html.escape(c.title)}</summary>"
                    f"{html.escape(c.snippet)}</details>"
                )
        parts.append("\n".join(lines))
    if reply.disclaimer:
        parts.append(f'<div class="disclaimer">\n\n{reply.disclaimer}\n\n</div>')
    return "\n\n".join(parts)


def build_visitor_app(assistant, settings: Settings) -> gr.Blocks:
    def chat(message, history):
        try:
            for reply in assistant.stream(message_text(message), history or []):
                yield render_reply(reply)
        except Exception:  # one bad message must never break the app
            log.exception("chat failed")
            yield render_reply(
                Reply(
                    kind="decline",
                    reason=None,
                    text="Sorry, something went wrong while answering. Please try again, "
                    "or book a consultation.",
                    disclaimer=disclaimer_for("decline", settings),
                )
            )

    with gr.Blocks(title=f"{settings.clinic_name} – headache and spine questions") as app:
        gr.Markdown(
            f"## Ask {html.escape(settings.clinic_name)} about headaches from the neck and spine\n"
            "Answers come from our clinic's articles, with their sources. "
            f"In an emergency, call **{html.escape(settings.emergency_number)}**."
        )
        gr.HTML(
            f'<a class="book" href="{html.escape(settings.booking_url)}" target="_blank" '
            'rel="noopener">Book a consultation</a>'
        )
        gr.ChatInterface(
            chat,
            examples=EXAMPLES,
            api_name="chat",
            run_examples_on_click=True,
            cache_examples=False,
            fill_height=True,
            chatbot=gr.Chatbot(height=520, sanitize_html=True, label="Chat"),
        )
    return app


def serve(assistant, settings: Settings) -> None:
    app = build_visitor_app(assistant, settings)
    app.queue(default_concurrency_limit=4).launch(
        server_name=settings.host,
        server_port=settings.port,
        root_path=settings.root_path or None,
        css=CSS,
        show_error=False,
        footer_links=[],
    )
