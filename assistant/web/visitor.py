"""The visitor chat: a Gradio ChatInterface over the Assistant, with feedback.

Replies come whole from the Assistant (text, citations, disclaimer); this module only shows them.
"""

import html
import logging

import gradio as gr

from ..ask.messages import message_text, user_messages
from ..settings import Settings
from ..texts import disclaimer_for, render
from ..types import Reply
from .feedback import FeedbackLog
from .render import as_text, from_text, render_reply
from .throttle import QuestionLimiter, client_address

log = logging.getLogger(__name__)

EXAMPLES = [
    "Can problems in my neck cause headaches?",
    "How is a cervicogenic headache diagnosed?",
    "What exercises help with neck-related headaches?",
    "Could whiplash from a car accident cause my headaches?",
]


def show_typed_text_as_text(chatbot: gr.Chatbot) -> gr.Chatbot:
    """What a visitor typed is shown as text: never an element, image or link made from it
    (the replies are our own Markdown, from render_reply). Set on this one instance: a
    subclass would make Gradio write a .pyi stub into the package."""
    shown, read = chatbot.postprocess, chatbot.preprocess
    chatbot.postprocess = lambda value: shown([_user_as_text(m, as_text) for m in value or []])
    chatbot.preprocess = lambda payload: [_user_as_text(m, from_text) for m in read(payload)]
    return chatbot


def _user_as_text(message, convert):
    if not isinstance(message, dict) or message.get("role") != "user":
        return message
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": convert(content)}
    if isinstance(content, list):
        parts = [
            {**part, "text": convert(part["text"])}
            if isinstance(part, dict) and isinstance(part.get("text"), str)
            else part
            for part in content
        ]
        return {**message, "content": parts}
    return message


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
    assistant,
    settings: Settings,
    feedback: FeedbackLog | None = None,
    limiter: QuestionLimiter | None = None,
) -> gr.Blocks:
    feedback = feedback or FeedbackLog(settings.data_dir, settings.retention_days)
    limiter = limiter or QuestionLimiter(settings.rate_limit_per_minute)

    def replies(message, history, request: gr.Request):
        """The reply as it grows: once for a quoted answer, sentence by sentence for a model's."""
        question = message_text(message)
        address = client_address(
            request.client.host if request and request.client else None,
            request.headers.get("x-forwarded-for") if request else None,
            settings.trusted_proxy,
        )
        if not limiter.allow(address):
            yield render_reply(assistant.decline("rate_limited", None), settings)
            return
        try:
            reply = None
            for reply in assistant.stream(question, history or []):
                yield render_reply(reply, settings)
        except Exception:  # one bad message must never break the app
            log.exception("chat failed")
            yield render_reply(_polite_failure(settings), settings)
            return
        try:
            if reply is not None and reply.kind == "decline" and reply.reason == "no_sources":
                feedback.record("no_sources", question)
            elif reply is not None and reply.kind == "emergency":
                feedback.record("emergency", question, reply.because or "")
        except Exception:
            log.exception("could not log the question")

    def chat_streamed(message, history, request: gr.Request):
        yield from replies(message, history, request)

    def chat_whole(message, history, request: gr.Request):
        # A reply that comes whole is sent as one event: a generator would cost Gradio a
        # "generating" message and a "completed" one for every answer.
        *_, last = replies(message, history, request)
        return last

    chat = chat_streamed if getattr(assistant, "streams", True) else chat_whole

    def on_like(data: gr.LikeData, history):
        """Thumbs down logs the question and the reply; it can do nothing else."""
        if data.liked is not False and data.liked != "Dislike":
            return
        try:
            index = data.index[0] if isinstance(data.index, list | tuple) else data.index
            messages = list(history or [])
            index = int(index)
            reply = messages[index] if 0 <= index < len(messages) else {}
            asked = user_messages(messages[:index])
            question = asked[-1] if asked else ""
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
        show_typed_text_as_text(chatbot)
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
            render("page-footer.md", settings),
            elem_classes=["page-footer"],
        )
    return app
