"""A question about how to book: the clinic's booking line leads the quoted answer.

No article says how to book (that is the clinic's website, not its medicine), so the answer
would otherwise describe a consultation without saying how to get one. The line is a template
(`texts/booking.md`, filled from settings) like the disclaimer: server text, never a model's.
"""

import re

# "how do I book", "can I make an appointment", "book in with you", "schedule a consultation";
# not "my injection is booked for Monday" (already booked) nor "a book about posture".
_HOW_TO_BOOK = re.compile(
    r"\b(?:book|schedule|arrange|make|get|request)\s+(?:\w+\s+){0,3}?"
    r"(?:appointments?|consultations?|consults?|sessions?|visits?|assessments?)\b"
    r"|\bbook\s+(?:in|me\s+in|myself\s+in|with\s+you|an?\s+(?:first\s+)?(?:slot|time))\b"
    r"|\bhow\s+(?:do|can|would|should)\s+i\s+(?:go\s+about\s+)?book(?:ing)?\b"
    r"|\bwhere\s+(?:do|can)\s+i\s+book\b|\bbooking\s+(?:page|link|form|process)\b",
    re.IGNORECASE,
)


# "scared to book in", "was going to book a consult": a story about booking, not the ask.
_NOT_ASKING = re.compile(
    r"\b(?:scared|afraid|nervous|worried|going|meaning|planning|before|until|already)\b\W+"
    r"(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)


def asks_how_to_book(question: str) -> bool:
    return any(
        not _NOT_ASKING.search(question[max(0, m.start() - 30) : m.start()])
        for m in _HOW_TO_BOOK.finditer(question)
    )
