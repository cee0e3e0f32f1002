"""Chat messages as they arrive (Gradio, the CLI's --history, the eval's sets) as plain text."""

import re

MAX_HISTORY_MESSAGES = 10  # the guard reads at most this many earlier user turns


def message_text(content) -> str:
    """A message's content as text: a str, or a list of parts ({"type": "text", "text"})."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, list | tuple):
        return " ".join(message_text(part) for part in content)
    return str(content)


def user_messages(history, limit: int | None = None) -> list[str]:
    """The text of the earlier user turns, oldest first (the newest `limit` of them)."""
    if not isinstance(history, list | tuple):
        return []
    texts = [
        message_text(m.get("content"))
        for m in history
        if isinstance(m, dict) and m.get("role") == "user"
    ]
    return texts[-limit:] if limit else texts


# A shown reply is Markdown: its text (escaped), then the sources and disclaimer as HTML blocks.
_SHOWN_EXTRAS = re.compile(r'<div class="(?:sources|disclaimer)".*', re.S)
_TAG = re.compile(r"<[^>]+>")
_LINKED_MARKER = re.compile(r"\[\[(\d+)\]\]\([^)]*\)")
_ESCAPE = re.compile(r"\\(.)")


def shown_text(content) -> str:
    """A reply as the chat showed it, back to its plain text: no sources, disclaimer or markup."""
    text = _SHOWN_EXTRAS.sub("", message_text(content))
    text = _LINKED_MARKER.sub(r"[\1]", _TAG.sub("", text))
    return " ".join(_ESCAPE.sub(r"\1", text).split())


def conversation(history, limit: int) -> list[tuple[str, str]]:
    """The newest `limit` earlier messages, oldest first, as ("human" | "ai", text) for a
    chat model's prompt."""
    if not isinstance(history, list | tuple) or limit <= 0:
        return []
    turns = []
    for m in history:
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            continue
        if m["role"] == "user":
            text = " ".join(message_text(m.get("content")).split())
        else:
            text = shown_text(m.get("content"))
        if text:
            turns.append(("human" if m["role"] == "user" else "ai", text[:2000]))
    return turns[-limit:]
