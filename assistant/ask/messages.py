"""Chat messages as they arrive (Gradio, the CLI's --history, the eval's sets) as plain text."""

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
