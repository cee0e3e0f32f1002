"""A Reply as the one Markdown string the chat shows: text with linked [n], sources, disclaimer."""

import html
import re

from ..ask.cite import MARKER
from ..settings import Settings
from ..types import Reply


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
