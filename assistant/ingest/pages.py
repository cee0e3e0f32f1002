"""Web pages -> Articles: the clinic's site as a source of articles.

trafilatura finds a page's main text and title, leaving out navigation, cookie banners, footers
and scripts; its Markdown keeps the headings (sections) and lists. A page's `source` and `url`
are its canonical URL, so citations link to the live page.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import LoadError
from ..types import Article, ArticleRecord
from .fetch import Fetched, Fetcher, without_fragment
from .load import MIN_BODY_CHARS, make_article, normalise

PAGE_TYPES = ("text/html", "application/xhtml+xml")
EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*")
DEEP_HEADING = re.compile(r"^#{4,6} ", re.MULTILINE)


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


@dataclass(frozen=True)
class NotModified:
    """The site answered 304 to the validators we kept: the article stays as it is."""

    source: str
    folder: str


class WebPage:
    """One page to ingest. `folder` is the sitemap that lists it (which `--sync` uses to find
    pages gone from it); None for a page named on its own, which keeps the folder it has, or
    gets its site's address."""

    def __init__(self, url: str, folder: str | None, fetcher: Fetcher):
        self.url = without_fragment(url)
        self.folder = folder
        self.fetcher = fetcher

    @property
    def name(self) -> str:
        return self.url

    def load(self, records: dict[str, ArticleRecord]) -> Article | NotModified:
        old = record_of_page(records, self.url)
        fetched = self.fetcher.get(
            self.url,
            PAGE_TYPES,
            etag=old.etag if old else None,
            last_modified=old.last_modified if old else None,
        )
        folder = self.folder or (old.folder if old else site_of(self.url))
        if fetched.not_modified and old:
            return NotModified(old.source, folder)
        return page_article(fetched, folder)


def record_of_page(records: dict[str, ArticleRecord], url: str) -> ArticleRecord | None:
    """The record of the page fetched from url (its source may be a different canonical URL)."""
    if url in records:
        return records[url]
    return next((r for r in records.values() if r.page_url == url), None)


def site_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}/"


def page_article(fetched: Fetched, folder: str) -> Article:
    import trafilatura

    try:
        tree = trafilatura.load_html(fetched.body)
    except ValueError:
        tree = None
    if tree is None:
        raise LoadError("the page's HTML cannot be read: check that it opens in a browser")
    # An FAQ accordion puts each question in a button inside its heading; the extractor drops
    # buttons as page furniture, and the answers would lose their questions.
    for button in tree.xpath("//*[self::h2 or self::h3 or self::h4 or self::summary]//button"):
        button.drop_tag()
    markdown = trafilatura.extract(
        tree,
        url=fetched.final_url,
        output_format="markdown",
        include_formatting=True,  # keeps headings (sections) and list markers
        favor_precision=True,  # a clinic's page: leave out anything that may be furniture
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
    )
    meta = trafilatura.extract_metadata(tree, default_url=fetched.final_url)
    h1s = [" ".join(h.text_content().split()) for h in tree.xpath("//h1")]
    title, body = _title_and_body(markdown or "", meta.title if meta else None, h1s)
    body = normalise(body)
    if len(body) < MIN_BODY_CHARS:
        raise LoadError(
            "no article text on the page once its navigation, banners and footer are left out: "
            "give the address of an article page"
        )
    url = _canonical(fetched.final_url, meta.url if meta else None)
    return make_article(
        source=url,
        folder=folder,
        title=title or _title_from_url(url),
        body=body,
        meta={
            "url": url,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "page_url": fetched.url,
        },
    )


def _title_and_body(markdown: str, meta_title: str | None, h1s: list[str]) -> tuple[str, str]:
    """The page's title and its body; the title is not body text."""
    text = EMPHASIS.sub(lambda m: m.group(2) or m.group(3), markdown)
    text = DEEP_HEADING.sub("### ", text)
    meta_title = (meta_title or "").strip()
    h1 = re.search(r"^# (.+)$", text, re.MULTILINE)
    if h1 and (not meta_title or _same_words(h1.group(1), meta_title)):
        title = h1.group(1).strip()
        text = text[: h1.start()] + text[h1.end() :]
    else:
        # The page's <title> carries the site's name ("Whiplash | Clinic"): an <h1> it
        # contains is the article's own title; else the part before the last separator.
        title = next((h for h in h1s if h and _same_words(h, meta_title)), "")
        title = title or _without_site_name(meta_title)
    text = re.sub(r"^# ", "## ", text, flags=re.MULTILINE)
    if not re.search(r"^#{2,3} ", text, re.MULTILINE):
        text = _mark_standalone_headings(text)
    return title, text


def _without_site_name(title: str) -> str:
    for separator in (" | ", " – ", " — ", " - ", " :: ", " · "):
        head, found, tail = title.rpartition(separator)
        if found and len(head) >= len(tail):
            return head.strip()
    return title


def _mark_standalone_headings(text: str) -> str:
    """A page without heading markup (bold lines in divs): a short line with no closing
    punctuation, followed by a longer paragraph, is a section heading."""
    lines = text.split("\n")
    blocks = [i for i, line in enumerate(lines) if line.strip()]
    for here, after in zip(blocks, blocks[1:], strict=False):
        line, following = lines[here].strip(), lines[after].strip()
        if (
            len(line.split()) <= 10
            and line[-1] not in ".,;:!"
            and not line.startswith(("- ", "|", "#"))
            and not re.match(r"\d+\. ", line)
            and len(following.split()) > 2 * len(line.split())
        ):
            lines[here] = f"## {line}"
    return "\n".join(lines)


def _same_words(a: str, b: str) -> bool:
    words = lambda s: re.findall(r"\w+", s.lower())  # noqa: E731
    return words(a) == words(b) or " ".join(words(a)) in " ".join(words(b))


def _canonical(final_url: str, declared: str | None) -> str:
    """The page's declared canonical URL when it is on the same site (ignoring "www."), else
    the URL it was fetched from: a canonical pointing elsewhere must not redirect citations."""
    if not declared or not is_url(declared):
        return without_fragment(final_url)

    def host(url: str) -> str:
        return (urlsplit(url).hostname or "").removeprefix("www.")

    return without_fragment(declared if host(declared) == host(final_url) else final_url)


def _title_from_url(url: str) -> str:
    slug = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    slug = re.sub(r"\.\w+$", "", slug)
    return slug.replace("-", " ").replace("_", " ").strip().capitalize() or url
