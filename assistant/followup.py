"""Turn a follow-up ("what about surgery for that?") into a standalone retrieval query.

Offline and model-free: a short question that leans on the conversation (a pronoun, "what
about", no topic of its own) borrows the topic of the visitor's previous question.
"""

import re

ANAPHORA = re.compile(
    r"\b(it|its|that|this|those|these|they|them|there|same|such|the condition|the problem)\b",
    re.IGNORECASE,
)
FOLLOW_UP_START = re.compile(
    r"^\s*(and|also|what about|how about|but|so|then|ok|okay|what if|is that|does that|"
    r"can that|could that|would that|and if)\b",
    re.IGNORECASE,
)
MAX_FOLLOW_UP_WORDS = 14


def message_text(content) -> str:
    """Gradio gives a message's content as a string or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return "" if content is None else str(content)


def user_messages(history: list[dict] | None) -> list[str]:
    return [
        message_text(m.get("content")).strip()
        for m in history or []
        if isinstance(m, dict) and m.get("role") == "user"
    ]


def is_follow_up(question: str) -> bool:
    words = question.split()
    return len(words) <= MAX_FOLLOW_UP_WORDS and bool(
        ANAPHORA.search(question) or FOLLOW_UP_START.search(question)
    )


def standalone_query(question: str, history: list[dict] | None) -> str:
    earlier = [m for m in user_messages(history) if m]
    if not earlier or not is_follow_up(question):
        return question
    # The previous question carries the topic; the new one says what about it.
    return f"{question} {earlier[-1]}"
