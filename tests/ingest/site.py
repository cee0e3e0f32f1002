"""A small clinic website served on loopback by the tests: article pages wrapped in navigation,
a cookie banner, scripts and a footer; a sitemap index (one sitemap gzipped); and the pages that
go wrong: a 404, a redirect, a redirect loop, a slow page, a huge page, a PDF, a page with no
article, and a path robots.txt forbids. Pages answer ETag/If-None-Match like a real server."""

import contextlib
import gzip
import hashlib
import html
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from assistant.ingest.load import load_article

from ..helpers import CLINIC_ARTICLE

# Page furniture: none of these words may reach a chunk.
FURNITURE = [
    "Accept all cookies",
    "TRACKING-SCRIPT",
    "All rights reserved",
    "Book online in 60 seconds",
    "Related posts",
    "Follow us on Facebook",
]

NECK_ARTICLE = [
    (
        "p",
        "Cervicogenic headache is a headache that starts in the neck. The pain is usually "
        "felt on one side and spreads from the back of the head towards the forehead.",
    ),
    ("h2", "What causes it"),
    (
        "p",
        "Problems in the upper joints of the neck, such as arthritis or an old whiplash "
        "injury, can send pain signals to the head. Poor posture at a desk makes it worse.",
    ),
    ("ul", ["Stiff upper neck joints", "Tight muscles at the base of the skull"]),
    ("h2", "How it is treated"),
    (
        "p",
        "Physiotherapy, gentle exercises and manual therapy help most people with this kind "
        "of headache. Our team examines your neck first and builds a plan with you.",
    ),
]
WHIPLASH_ARTICLE = [
    (
        "p",
        "Most people recover from whiplash within a few weeks to three months. Staying "
        "gently active speeds recovery more than resting in a collar.",
    ),
    ("h2", "When to come back"),
    (
        "p",
        "Come back to the clinic if the neck pain spreads into an arm, or if headaches after "
        "the accident are getting worse instead of better.",
    ),
]
POSTURE_ARTICLE = [
    (
        "p",
        "Looking down at a phone for hours strains the muscles at the back of the neck. "
        "Raising the screen to eye level and taking short breaks every half hour reduces the "
        "load on the cervical spine.",
    ),
]


def clinic_blog_blocks() -> tuple[str, list]:
    """The clinic's own article (as supplied, plain text) as the blocks of a blog post."""
    article = load_article(CLINIC_ARTICLE, CLINIC_ARTICLE.parent)
    blocks = []
    for part in article.text.split("\n\n"):
        if part.startswith("## "):
            blocks.append(("h2", part[3:]))
        elif part.startswith("- "):
            blocks.append(("ul", [line[2:] for line in part.split("\n")]))
        else:
            blocks.append(("p", part))
    return article.title, blocks


def article_page(title: str, blocks: list, canonical: str | None, site: str = "") -> str:
    body = []
    for tag, content in blocks:
        if tag == "ul":
            body.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in content) + "</ul>")
        else:
            body.append(f"<{tag}>{html.escape(content)}</{tag}>")
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | RegeneSpine Clinic</title>{link}
<script>function track(){{console.log("TRACKING-SCRIPT")}}</script>
<style>.banner{{position:fixed}}</style></head><body>
<div class="cookie-banner" id="cookie-consent"><p>We use cookies. Accept all cookies?</p>
<button>Accept</button></div>
<header><nav><ul><li><a href="{site}/">Home</a></li><li><a href="{site}/services">Our services</a>
</li><li><a href="{site}/book">Book online in 60 seconds</a></li></ul></nav></header>
<main><article><h1>{html.escape(title)}</h1>
<p class="byline">Posted by the clinic team</p>
{"".join(body)}
</article></main>
<aside><h3>Related posts</h3><ul><li><a href="{site}/blog/x">Five tips for desk workers</a></li>
</ul></aside>
<footer><p>© 2026 RegeneSpine Clinic, 12 Main Street. All rights reserved.</p>
<p>Follow us on Facebook</p></footer><script>track();</script></body></html>"""


@dataclass
class Resource:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None
    delay_s: float = 0.0
    etag: bool = True


@dataclass
class Site:
    base: str = ""
    resources: dict[str, Resource] = field(default_factory=dict)
    full: Counter = field(default_factory=Counter)  # path -> 200 responses sent
    not_modified: Counter = field(default_factory=Counter)  # path -> 304 responses sent
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, user agent)
    arrivals: list[tuple[str, float]] = field(default_factory=list)  # (path, monotonic time)

    def page(self, path: str, title: str, blocks: list, canonical: bool = True) -> None:
        text = article_page(title, blocks, self.base + path if canonical else None, self.base)
        self.resources[path] = Resource(text.encode())

    def sitemap(self, path: str, pages: list[str], gz: bool = False) -> None:
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{self.base}{p}</loc></url>" for p in pages)
            + "</urlset>"
        ).encode()
        if gz:
            self.resources[path] = Resource(gzip.compress(xml), "application/gzip")
        else:
            self.resources[path] = Resource(xml, "application/xml")

    def sitemap_index(self, path: str, sitemaps: list[str]) -> None:
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<sitemap><loc>{self.base}{p}</loc></sitemap>" for p in sitemaps)
            + "</sitemapindex>"
        ).encode()
        self.resources[path] = Resource(xml, "application/xml")


BLOG = [
    "/blog/neck-headaches",
    "/blog/spinal-issues-and-headache-relief",
    "/blog/old-whiplash-address",  # redirects to /blog/whiplash-recovery
    "/blog/missing",  # 404
    "/private/staff-notes",  # forbidden by robots.txt
    "/blog/slow",  # slower than the timeout
    "/blog/huge",  # larger than the size cap
    "/blog/loop-a",  # redirects to loop-b, which redirects back
    "/files/brochure.pdf",  # not a web page
    "/blog/contact",  # navigation and footer, no article
]


def build_site(site: Site, slow_s: float, huge_bytes: int) -> None:
    site.resources["/robots.txt"] = Resource(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    site.sitemap_index("/sitemap.xml", ["/sitemap-blog.xml", "/sitemap-pages.xml.gz"])
    site.sitemap("/sitemap-blog.xml", BLOG)
    site.sitemap("/sitemap-pages.xml.gz", ["/posture", "/blog/jaw-clenching"], gz=True)
    site.resources["/blog/jaw-clenching"] = Resource(wordpress_page(site.base).encode())
    site.page("/blog/neck-headaches", "Neck pain and headaches", NECK_ARTICLE)
    title, blocks = clinic_blog_blocks()
    site.page("/blog/spinal-issues-and-headache-relief", title, blocks)
    site.resources["/blog/old-whiplash-address"] = Resource(
        status=301, location="/blog/whiplash-recovery"
    )
    site.page("/blog/whiplash-recovery", "Recovering from whiplash", WHIPLASH_ARTICLE)
    site.page("/posture", "Phone posture and neck strain", POSTURE_ARTICLE, canonical=False)
    site.resources["/blog/missing"] = Resource(b"<h1>Not found</h1>", status=404)
    site.page("/private/staff-notes", "Staff notes", [("p", "Internal notes. " * 10)])
    site.page("/blog/slow", "A slow page", NECK_ARTICLE)
    site.resources["/blog/slow"].delay_s = slow_s
    filler = ("<p>" + "Neck pain words. " * 50 + "</p>") * (huge_bytes // 800 + 1)
    site.resources["/blog/huge"] = Resource(f"<html><body>{filler}</body></html>".encode())
    site.resources["/blog/loop-a"] = Resource(status=302, location="/blog/loop-b")
    site.resources["/blog/loop-b"] = Resource(status=302, location="/blog/loop-a")
    site.resources["/files/brochure.pdf"] = Resource(b"%PDF-1.4 ...", "application/pdf")
    site.page("/blog/contact", "Contact", [])


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def do_GET(self):  # noqa: N802 (the http.server API)
        site = self.server.site
        path = self.path.split("?")[0]
        site.requests.append((path, self.headers.get("User-Agent", "")))
        site.arrivals.append((path, time.monotonic()))
        resource = site.resources.get(path)
        if resource is None:
            return self._send(404, b"<h1>Not found</h1>", "text/html")
        if resource.delay_s:
            time.sleep(resource.delay_s)
        if resource.location:
            self.send_response(resource.status)
            self.send_header("Location", resource.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        etag = '"' + hashlib.sha1(resource.body).hexdigest()[:16] + '"'
        if resource.etag and self.headers.get("If-None-Match") == etag:
            site.not_modified[path] += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return None
        if resource.status == 200:
            site.full[path] += 1
        return self._send(resource.status, resource.body, resource.content_type, etag)

    def _send(self, status, body, content_type, etag=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        # The client may give up on a slow or huge page, as it should.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(site: Site):
    """Start the site on a free loopback port; returns the server (shutdown() to stop)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.site = site
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wordpress_page(site: str) -> str:
    """A page laid out as a typical WordPress theme: no <main> or <article>, the text in
    div.entry-content, with share buttons, a sidebar of widgets and a comment form."""
    paragraphs = "".join(
        f"<p>{html.escape(text)}</p>" if tag == "p" else f"<h2>{html.escape(text)}</h2>"
        for tag, text in TMJ_ARTICLE
    )
    return f"""<!DOCTYPE html><html><head><meta charset="UTF-8">
<title>Jaw clenching and headaches &#8211; RegeneSpine Clinic</title>
<meta property="og:title" content="Jaw clenching and headaches">
<script src="{site}/wp-includes/js/jquery.js"></script></head>
<body class="post-template-default single single-post">
<div id="page" class="site"><div class="top-bar">Call us: 555 0100 | Book online in 60 seconds</div>
<div id="masthead" class="site-header"><div class="menu-main-container"><ul id="menu-main">
<li><a href="{site}/">Home</a></li><li><a href="{site}/services">Our services</a></li>
</ul></div></div>
<div id="content" class="site-content"><div id="primary" class="content-area">
<div class="post-12 post type-post"><h1 class="entry-title">Jaw clenching and headaches</h1>
<div class="entry-meta">Posted on <time>May 2, 2026</time> by clinic</div>
<div class="entry-content">{paragraphs}
<div class="sharedaddy"><h3>Share this:</h3><ul><li>Facebook</li><li>Follow us on Facebook</li>
</ul></div>
</div></div>
<div id="comments" class="comments-area"><h3 id="reply-title">Leave a Reply</h3>
<form><textarea name="comment"></textarea>
<p>Your email address will not be published.</p></form></div>
</div><div id="secondary" class="widget-area"><section class="widget"><h2>Related posts</h2>
<ul><li>Five tips for desk workers</li></ul></section><section class="widget"><h2>Newsletter</h2>
<p>Sign up for our newsletter and accept all cookies.</p></section></div></div>
<div class="site-footer">© 2026 RegeneSpine. All rights reserved.</div></div>
<div id="cookie-notice">This site uses cookies. <a>Accept all cookies</a></div>
<script>console.log("TRACKING-SCRIPT")</script></body></html>"""


TMJ_ARTICLE = [
    (
        "p",
        "Clenching or grinding the teeth at night tires the jaw muscles, and the pain can "
        "spread to the temples as a morning headache.",
    ),
    ("h2", "What helps"),
    (
        "p",
        "A night guard made by a dentist protects the teeth, and relaxing the jaw during the "
        "day lowers the strain. Neck and jaw exercises shown by a physiotherapist can help too.",
    ),
]
