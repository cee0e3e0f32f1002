"""The web app: the visitor chat at "/" and, with a password set, the staff console at "/admin".

Replies come whole from the Assistant (text, citations, disclaimer); this module only renders
them. One FastAPI app holds two separate Gradio Blocks, so the visitor app's API has no staff
action: the console's events live in another Blocks, behind its own login.
"""

import html
import logging
import re

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from .feedback import FeedbackLog
from .followup import message_text
from .settings import Settings
from .texts import disclaimer_for, read_text
from .types import Reply

log = logging.getLogger(__name__)

EXAMPLES = [
    "Can problems in my neck cause headaches?",
    "How is a cervicogenic headache diagnosed?",
    "What exercises help with neck-related headaches?",
    "Could whiplash from a car accident cause my headaches?",
]

# Colours meet WCAG AA (4.5:1) on their backgrounds: #1a1a1a / #fff, #0b4f9c / #fff,
# #7a1010 / #fdecea, #fff / #b71c1c, #404040 / #f3f4f6.
CSS = """
.gradio-container { max-width: 860px !important; margin: 0 auto !important; }
#clinic-header { position: sticky; top: 0; z-index: 10; background: #ffffff;
  border-bottom: 1px solid #d0d7de; padding: 0.5em 0.25em; }
#clinic-header h1 { font-size: 1.25rem; margin: 0 0 0.2em 0; color: #1a1a1a; }
#clinic-header p { margin: 0; color: #303030; font-size: 0.95rem; }
.header-row { display: flex; flex-wrap: wrap; gap: 0.6em; align-items: center;
  justify-content: space-between; }
a.book, .book a { display: inline-block; padding: 0.55em 1.1em; background: #0b4f9c;
  color: #ffffff !important; border-radius: 6px; text-decoration: none !important;
  font-weight: 700; white-space: nowrap; }
a.book:hover { background: #083b75; }
a:focus-visible, button:focus-visible, textarea:focus-visible, input:focus-visible,
summary:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid #f0b400 !important; outline-offset: 2px !important; }
.message .disclaimer, .disclaimer { font-size: 0.85em; color: #404040; background: #f3f4f6;
  border-left: 4px solid #8a8f98; margin-top: 0.8em; padding: 0.45em 0.7em;
  border-radius: 4px; }
.message .disclaimer a, .disclaimer a { color: #0b4f9c; }
.message .emergency, .emergency { background: #fdecea; color: #7a1010;
  border: 2px solid #b71c1c; border-left-width: 10px; padding: 0.7em 0.9em;
  border-radius: 6px; font-weight: 500; }
.emergency strong { font-weight: 800; }
.emergency .call { display: block; margin-top: 0.5em; font-size: 1.35em; font-weight: 800;
  color: #ffffff !important; background: #b71c1c; padding: 0.35em 0.6em; border-radius: 6px;
  text-align: center; text-decoration: none; }
.sources { font-size: 0.92em; }
.sources details summary { cursor: pointer; color: #0b4f9c; text-decoration: underline; }
.sources details blockquote { margin: 0.3em 0 0.3em 0.5em; color: #303030; }
.emergency-line { color: #7a1010; font-weight: 700; }
#clear-conversation { max-width: 16em; }
footer { display: none !important; }
@media (max-width: 480px) {
  #clinic-header h1 { font-size: 1rem; }
  #clinic-header p { font-size: 0.85rem; }
  a.book { padding: 0.45em 0.8em; }
  .message-row.bubble { max-width: 100% !important; margin-left: 4px !important;
    margin-right: 4px !important; }
  .message-row.bubble .role, .message-row.bubble .message { max-width: 100% !important; }
}
"""

# System fonts only: the default theme would fetch fonts from a third-party CDN.
THEME = gr.themes.Default(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)

# Outside Gradio's scoped CSS (which only reaches inside the app's content): page padding.
HEAD = """<style>
@media (max-width: 480px) { .gradio-container .main.app { padding: 8px 6px !important; } }
</style>"""

MARKER = re.compile(r"\[(\d+)\]")


def _link_markers(text: str, urls: dict[int, str]) -> str:
    """[n] becomes a link to citation n's article where it has a public page."""

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        return f"[[{n}]]({urls[n]})" if n in urls else match.group(0)

    return MARKER.sub(link, text)


def render_reply(reply: Reply, settings: Settings | None = None) -> str:
    """One Markdown string: the answer with [n] markers, its sources, then the disclaimer."""
    parts = []
    urls = {c.n: c.url for c in reply.citations if c.url}
    if reply.kind == "emergency":
        call = ""
        if settings is not None:
            number = html.escape(settings.emergency_number)
            call = f'<a class="call" href="tel:{number}">Call {number} now</a>'
        parts.append(f'<div class="emergency" role="alert">\n\n{reply.text}\n\n{call}</div>')
    else:
        parts.append(_link_markers(reply.text, urls))
    if reply.citations:
        lines = []
        for c in reply.citations:
            title = html.escape(c.title)
            if c.url:
                lines.append(
                    f'<li value="{c.n}"><a href="{html.escape(c.url, quote=True)}" '
                    f'target="_blank" rel="noopener">[{c.n}] {title}</a></li>'
                )
            else:
                lines.append(
                    f'<li value="{c.n}"><details><summary>[{c.n}] {title}</summary>'
                    f"<blockquote>{html.escape(c.snippet)}</blockquote></details></li>"
                )
        parts.append(
            '<div class="sources"><strong>Sources</strong><ol>' + "".join(lines) + "</ol></div>"
        )
    if reply.disclaimer:
        parts.append(f'<div class="disclaimer">\n\n{reply.disclaimer}\n\n</div>')
    return "\n\n".join(parts)


def _polite_failure(settings: Settings) -> Reply:
    return Reply(
        kind="decline",
        reason=None,
        text="Sorry, something went wrong while answering. Please try again, "
        "or book a consultation.",
        disclaimer=disclaimer_for("decline", settings),
    )


def _header_html(settings: Settings) -> str:
    clinic = html.escape(settings.clinic_name)
    number = html.escape(settings.emergency_number)
    booking = html.escape(settings.booking_url, quote=True)
    return (
        '<div class="header-row"><div>'
        f"<h1>Ask {clinic} about headaches from the neck and spine</h1>"
        "<p>Answers come only from our clinic's articles, with their sources. "
        f'<span class="emergency-line">In an emergency, call {number}.</span></p>'
        "</div>"
        f'<a class="book" href="{booking}" target="_blank" rel="noopener">'
        "Book a consultation</a></div>"
    )


def build_visitor_app(
    assistant, settings: Settings, feedback: FeedbackLog | None = None
) -> gr.Blocks:
    feedback = feedback or FeedbackLog(settings.data_dir)

    def chat(message, history):
        question = message_text(message)
        try:
            reply = None
            for reply in assistant.stream(question, history or []):
                yield render_reply(reply, settings)
        except Exception:  # one bad message must never break the app
            log.exception("chat failed")
            yield render_reply(_polite_failure(settings), settings)
            return
        if reply is not None and reply.kind == "decline" and reply.reason == "no_sources":
            try:
                feedback.record("no_sources", question)
            except Exception:
                log.exception("could not log a declined question")

    def on_like(data: gr.LikeData, history):
        """Thumbs down logs the question and the reply; it can do nothing else."""
        if data.liked is not False and data.liked != "Dislike":
            return
        try:
            index = data.index[0] if isinstance(data.index, list | tuple) else data.index
            messages = list(history or [])
            index = int(index)
            reply = messages[index] if 0 <= index < len(messages) else {}
            question = next(
                (
                    message_text(m.get("content"))
                    for m in reversed(messages[:index])
                    if isinstance(m, dict) and m.get("role") == "user"
                ),
                "",
            )
            feedback.record("thumbs_down", question, message_text(reply.get("content", data.value)))
        except Exception:
            log.exception("could not log feedback")

    with gr.Blocks(
        title=f"{settings.clinic_name} – headache and spine questions", fill_height=True
    ) as app:
        gr.HTML(_header_html(settings), elem_id="clinic-header", padding=False, js_on_load=None)
        chatbot = gr.Chatbot(
            height="58vh",
            min_height=300,
            sanitize_html=True,
            label="Conversation with the clinic's assistant",
            show_label=False,
            feedback_options=("Like", "Dislike"),
            placeholder="Ask a question about headaches that come from the neck or spine.",
            layout="bubble",
            buttons=["copy", "copy_all"],
        )
        textbox = gr.Textbox(
            label="Your question",
            placeholder="Type your question and press Enter",
            show_label=False,
            submit_btn="Send",
            scale=7,
            lines=1,
            max_lines=5,
            autofocus=False,
        )
        chat_ui = gr.ChatInterface(
            chat,
            chatbot=chatbot,
            textbox=textbox,
            examples=EXAMPLES,
            examples_label="Example questions",
            api_name="chat",
            run_examples_on_click=True,
            cache_examples=False,
            fill_height=True,
            autofocus=False,
        )
        clear = gr.Button(
            "Clear conversation", variant="secondary", size="sm", elem_id="clear-conversation"
        )
        clear.click(
            lambda: ([], []),
            outputs=[chat_ui.chatbot, chat_ui.chatbot_state],
            api_visibility="private",
            queue=False,
        )
        chatbot.like(on_like, inputs=[chatbot], api_visibility="undocumented", queue=False)
        gr.Markdown(
            read_text("page-footer.md", settings.texts_dir).format(
                clinic_name=settings.clinic_name,
                emergency_number=settings.emergency_number,
                booking_url=settings.booking_url,
            ),
            elem_classes=["page-footer"],
        )
    return app


def _console_off_page(settings: Settings) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Staff console is off</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em;
color:#1a1a1a;line-height:1.5}} code{{background:#f3f4f6;padding:0.1em 0.3em}}</style>
</head><body>
<h1>The staff console is off</h1>
<p>{html.escape(settings.clinic_name)}'s staff console needs a password, and none is set.</p>
<p>To turn it on, set <code>ASSISTANT_ADMIN_USER</code> (default <code>admin</code>) and
<code>ASSISTANT_ADMIN_PASSWORD</code> in the app's environment, then restart the app.
The console will then ask for that username and password at this address.</p>
</body></html>"""


def create_app(assistant, settings: Settings) -> FastAPI:
    """Visitor chat at "/", staff console at "/admin" (or a page saying it is off)."""
    app = FastAPI(title=settings.clinic_name, docs_url=None, redoc_url=None, openapi_url=None)
    feedback = FeedbackLog(settings.data_dir)
    root = settings.root_path.rstrip("/")
    password = settings.admin_password.get_secret_value() if settings.admin_password else ""

    if password:
        from .admin import build_admin_app

        staff = build_admin_app(assistant, settings, feedback)
        gr.mount_gradio_app(
            app,
            staff.queue(default_concurrency_limit=1),
            path="/admin",
            auth=(settings.admin_user, password),
            auth_message=f"{settings.clinic_name} staff console",
            root_path=f"{root}/admin" if root else None,
            max_file_size=f"{settings.max_upload_mb}mb",
            footer_links=[],
            show_error=True,
            css=CSS.replace("max-width: 860px", "max-width: 1200px"),
            theme=THEME,
            ssr_mode=False,
        )
    else:

        @app.get("/admin", response_class=HTMLResponse)
        @app.get("/admin/", response_class=HTMLResponse)
        @app.get("/admin/{rest:path}", response_class=HTMLResponse)
        def console_off(rest: str = "") -> HTMLResponse:
            return HTMLResponse(_console_off_page(settings), status_code=403)

    visitor = build_visitor_app(assistant, settings, feedback)
    gr.mount_gradio_app(
        app,
        visitor.queue(default_concurrency_limit=4),
        path="/",
        root_path=root or None,
        max_file_size="1mb",
        footer_links=[],
        show_error=False,
        css=CSS,
        theme=THEME,
        head=HEAD,
        ssr_mode=False,
    )
    return app


def serve(assistant, settings: Settings) -> None:
    import uvicorn

    uvicorn.run(
        create_app(assistant, settings),
        host=settings.host,
        port=settings.port,
        root_path=settings.root_path.rstrip("/"),
        proxy_headers=True,
        log_level="info",
    )
