"""`make bench`'s website figures: the project's articles served on loopback as a clinic's blog
(navigation, cookie banner, scripts, footer; a sitemap; ETags), ingested through the real
fetcher at the polite delay and without it, then re-synced unchanged; and the extraction quality
on the hand-written pages of `knowledge/evalsets/webpages/` (real site builders' markup)."""

import hashlib
import html
import json
import re
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..ingest.fetch import Fetched
from ..ingest.load import find_article_files, load_article
from ..ingest.pages import page_article

FURNITURE = ("Accept all cookies", "Book online today", "All rights reserved", "Our services")


def blog_page(title: str, markdown: str) -> bytes:
    body = []
    for block in markdown.split("\n\n"):
        lines = block.split("\n")
        for line in lines:
            if line.startswith("## "):
                body.append(f"<h2>{html.escape(line[3:])}</h2>")
            elif line.startswith("- "):
                body.append(f"<ul><li>{html.escape(line[2:])}</li></ul>")
            elif line.strip():
                body.append(f"<p>{html.escape(line)}</p>")
    page = f"""<!doctype html><html><head><title>{html.escape(title)} | Clinic</title>
<script>var analytics = [];</script></head><body>
<div class="cookie-banner">We use cookies. <button>Accept all cookies</button></div>
<header><nav><a href="/">Home</a> <a href="/services">Our services</a>
<a href="/book">Book online today</a></nav></header>
<main><article><h1>{html.escape(title)}</h1>{"".join(body)}</article></main>
<footer>© Clinic, 1 High Street. All rights reserved.</footer></body></html>"""
    return page.encode()


class _Site(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server API)
        body = self.server.pages.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        kind = "application/xml" if self.path.endswith(".xml") else "text/html; charset=utf-8"
        self.send_header("Content-Type", kind)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_articles(folder: Path) -> tuple[ThreadingHTTPServer, str, int]:
    """The folder's articles as blog pages; returns the server, its sitemap URL, page count."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = {}
    for file, root in find_article_files(folder):
        article = load_article(file, root)
        pages["/blog/" + Path(article.source).stem] = blog_page(article.title, article.text)
    locs = "".join(f"<url><loc>{base}{path}</loc></url>" for path in pages)
    pages["/sitemap.xml"] = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{locs}</urlset>"
    ).encode()
    server.pages = pages
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base + "/sitemap.xml", len(pages) - 1


def site_bench(articles: Path, settings) -> dict:
    """Pages per second at the polite delay and without it (fetch, extract, embed, store), and
    the time of a re-sync of the unchanged site."""
    from ..ingest import ingest

    server, sitemap, count = serve_articles(articles)
    row: dict = {"pages": count, "delay_s": settings.fetch_delay_s}
    try:
        for label, delay in (("polite", settings.fetch_delay_s), ("no_delay", 0.0)):
            with tempfile.TemporaryDirectory(prefix="site-bench-") as tmp:
                run = settings.model_copy(
                    update={"data_dir": Path(tmp) / "data", "fetch_delay_s": delay}
                )
                ingest(run, [], False, progress=False, sitemaps=[sitemap])  # loads the model
                run = run.model_copy(update={"data_dir": Path(tmp) / "data2"})
                start = time.perf_counter()
                report = ingest(run, [], False, progress=False, sitemaps=[sitemap])
                seconds = time.perf_counter() - start
                row[f"{label}_pages_per_s"] = round(len(report.added) / seconds, 2)
                row[f"{label}_sync_s"] = round(seconds, 1)
                start = time.perf_counter()
                again = ingest(run, [], True, progress=False, sitemaps=[sitemap])
                row[f"{label}_unchanged_resync_s"] = round(time.perf_counter() - start, 2)
                if len(again.unchanged) != count:
                    raise RuntimeError(f"the unchanged re-sync changed: {again.to_json()}")
                row["chunks_with_furniture"] = _chunks_with_furniture(run)
    finally:
        server.shutdown()
    return row


def _chunks_with_furniture(settings) -> int:
    from ..store import open_store

    store = open_store(settings)
    chunks, _ = store.live_chunks(store.article_records())
    return sum(any(f in c.text for f in FURNITURE) for c in chunks)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(text)).strip().lower()


def extraction_quality(set_dir: Path) -> dict:
    """Per page and overall: the share of the article's paragraphs and headings found in the
    extracted text, whether the title matches, and the furniture strings that leaked in."""
    pages = []
    for page in sorted((set_dir / "pages").glob("*.html")):
        expected = json.loads((set_dir / "expected" / f"{page.stem}.json").read_text())
        url = expected.get("canonical") or f"https://clinic.example/{page.stem}"
        fetched = Fetched(url, url, 200, page.read_bytes(), "text/html", None, None)
        try:
            article = page_article(fetched, "https://clinic.example/")
            text, title = _plain(article.text), article.title
        except Exception as err:  # noqa: BLE001 (a failed page scores zero, with its reason)
            text, title = "", f"FAILED: {err}"
        paragraphs = expected["paragraphs"]
        found = [p for p in paragraphs if _plain(p) in text]
        headings = [h for h in expected["headings"] if f"## {_plain(h)}" in text]
        leaked = [f for f in expected["furniture"] if _plain(f) in text]
        pages.append(
            {
                "page": page.stem,
                "paragraph_recall": round(len(found) / max(1, len(paragraphs)), 3),
                "heading_recall": round(len(headings) / max(1, len(expected["headings"])), 3),
                "title_ok": _plain(title) == _plain(expected["title"]),
                "furniture_leaked": leaked,
                "missed": [p for p in paragraphs if p not in found][:5],
                "title": title,
            }
        )
    n = max(1, len(pages))
    return {
        "pages": len(pages),
        "paragraph_recall": round(sum(p["paragraph_recall"] for p in pages) / n, 3),
        "heading_recall": round(sum(p["heading_recall"] for p in pages) / n, 3),
        "title_accuracy": round(sum(p["title_ok"] for p in pages) / n, 3),
        "pages_with_furniture": sum(bool(p["furniture_leaked"]) for p in pages),
        "furniture_strings_leaked": sum(len(p["furniture_leaked"]) for p in pages),
        "by_page": pages,
    }
