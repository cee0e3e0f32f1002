"""The web app's CSS and HTML, kept as files in web/static/."""

import html
from functools import cache
from pathlib import Path

STATIC = Path(__file__).parent / "static"


@cache
def static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def page_css(max_width: str = "860px") -> str:
    return static_text("page.css").replace("max-width: 860px", f"max-width: {max_width}")


def console_off_page(clinic_name: str) -> str:
    return static_text("console-off.html").replace("{clinic_name}", html.escape(clinic_name))
