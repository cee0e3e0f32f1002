"""Turn a follow-up ("what about surgery for that?") into a standalone retrieval query.

Offline and model-free: a short question that leans on the conversation (a pronoun, "what
about", no topic of its own) borrows the topic of the visitor's previous question.
"""

import re

from .messages import user_messages

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


def is_follow_up(question: str) -> bool:
    words = question.split()
    return len(words) <= MAX_FOLLOW_UP_WORDS and bool(
        ANAPHORA.search(question) or FOLLOW_UP_START.search(question)
    )


def standalone_query(question: str, history: list[dict] | None) -> str:
    earlier = [m.strip() for m in user_messages(history) if m.strip()]
    if not earlier or not is_follow_up(question):
        return question
    # The previous question carries the topic; the new one says what about it.
    return f"{question} {earlier[-1]}"
