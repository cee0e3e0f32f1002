"""Sitemaps -> page addresses, and what one ingest fetches from the web.

A sitemap is an XML `urlset`, a `sitemapindex` of further sitemaps, gzip-compressed or not, or a
plain list of URLs. defusedxml parses it: a sitemap is input from the network, and an XML bomb
or external entity must not get through.
"""

import gzip
import io
from dataclasses import dataclass, field

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from ..errors import LoadError
from .fetch import Fetcher, FetchError, without_fragment
from .pages import WebPage, is_url

SITEMAP_TYPES = ("application/xml", "text/xml", "application/gzip", "application/x-gzip")
MAX_DEPTH = 3  # an index of indexes of sitemaps is as deep as real sites go
MAX_PAGES = 50_000  # the sitemap protocol's own limit per file


@dataclass
class WebSources:
    """The pages one ingest fetches: pages named on their own and the pages of sitemaps."""

    fetcher: Fetcher
    urls: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)

    def collect(self, report) -> tuple[list[WebPage], dict[str, set[str]]]:
        """The pages to load, and for each sitemap that could be read, the URLs it lists
        (what `--sync` keeps). A sitemap that fails is reported and removes nothing."""
        pages = [WebPage(url, None, self.fetcher) for url in self.urls]
        listed: dict[str, set[str]] = {}
        for sitemap in self.sitemaps:
            sitemap = without_fragment(sitemap)
            try:
                urls = sitemap_urls(self.fetcher, sitemap)
            except LoadError as err:
                report.failed.append((sitemap, f"the sitemap cannot be read: {err}"))
                continue
            listed[sitemap] = set(urls)
            pages += [WebPage(url, sitemap, self.fetcher) for url in urls]
        return pages, listed


def sitemap_urls(fetcher: Fetcher, url: str) -> list[str]:
    """Every page URL a sitemap (or sitemap index) lists, in order, without repeats."""
    pages: dict[str, None] = {}
    _walk(fetcher, url, 0, set(), pages)
    if not pages:
        raise FetchError("it lists no pages: check that this is the site's sitemap")
    return list(pages)


def _walk(fetcher: Fetcher, url: str, depth: int, visited: set[str], pages: dict) -> None:
    if url in visited:
        return
    visited.add(url)
    fetched = fetcher.get(url, SITEMAP_TYPES + ("text/plain",))
    body = _gunzip(fetched.body, fetcher.max_bytes)
    kind, locations = parse_sitemap(body)
    if kind == "index":
        if depth >= MAX_DEPTH:
            raise FetchError(f"sitemap indexes nested more than {MAX_DEPTH} deep")
        for child in locations:
            _walk(fetcher, child, depth + 1, visited, pages)
        return
    for loc in locations:
        pages.setdefault(loc, None)
        if len(pages) > MAX_PAGES:
            raise FetchError(f"more than {MAX_PAGES} pages: split the sitemap into an index")


def parse_sitemap(body: bytes) -> tuple[str, list[str]]:
    """("index", sitemap URLs) or ("urlset", page URLs): `<loc>` values, namespace or not."""
    text = body.lstrip()
    if not text.startswith(b"<"):
        lines = text.decode("utf-8", "replace").splitlines()
        return "urlset", [without_fragment(u.strip()) for u in lines if is_url(u.strip())]
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, DefusedXmlException) as err:
        raise FetchError(f"its XML is broken or unsafe ({err})") from err
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise FetchError(f"its XML is a <{kind}>, not a <urlset> or <sitemapindex>")
    locations = [
        without_fragment(el.text.strip())
        for el in root.iter()
        if _local(el.tag) == "loc" and el.text and is_url(el.text.strip())
    ]
    return ("index" if kind == "sitemapindex" else "urlset"), locations


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _gunzip(body: bytes, limit: int) -> bytes:
    """A .xml.gz sitemap, unpacked no further than the size cap (no gzip bomb)."""
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as unpacked:
            data = unpacked.read(limit + 1)
    except (OSError, EOFError) as err:
        raise FetchError(f"its gzip data is damaged ({err})") from err
    if len(data) > limit:
        raise FetchError("larger than the size limit once unpacked")
    return data
