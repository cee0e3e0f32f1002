"""A Reply as the one Markdown string the chat shows: text with linked [n], sources, disclaimer."""

import html
import re

from ..ask.cite import MARKER
from ..settings import Settings
from ..types import Reply

# Every character Markdown or HTML gives a meaning to, escaped with a backslash (CommonMark):
# what a visitor typed, or an article says, is shown as the characters themselves.
MARKUP = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&:\"'=])")
ESCAPED = re.compile(r"\\([\\`*_{}\[\]<>()#+\-.!|~&:\"'=])")


def as_text(text: str) -> str:
    """Text that renders as itself in the chat: no element, link or image from it."""
    return MARKUP.sub(r"\\\1", text)


def from_text(text: str) -> str:
    """What as_text was given (the chat sends shown messages back as history)."""
    return ESCAPED.sub(r"\1", text)


def _link_markers(text: str, urls: dict[int, str]) -> str:
    """The answer's own text as text; [n] becomes a link to citation n's article where it has
    a public page."""
    parts = []
    at = 0
    for match in MARKER.finditer(text):
        parts.append(as_text(text[at : match.start()]))
        n = int(match.group(1))
        parts.append(f"[[{n}]]({urls[n]})" if n in urls else f"\\[{n}\\]")
        at = match.end()
    parts.append(as_text(text[at:]))
    return "".join(parts)


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
