"""The clinic's website as a source of articles, against a small site served on loopback: the
real fetcher, trafilatura, robots.txt, the sitemap index, the real model and real Chroma."""

import re

import pytest

from assistant.ingest import build_fetcher, build_indexer
from assistant.ingest import fetch as fetch_module
from assistant.ingest.fetch import FetchError, HostPolicy
from assistant.ingest.sitemap import WebSources
from assistant.store import open_store
from assistant.types import sentences_of

from ..helpers import make_settings
from .site import (
    FURNITURE,
    NECK_ARTICLE,
    TMJ_ARTICLE,
    WHIPLASH_ARTICLE,
    Resource,
)

ARTICLE_PAGES = {
    "/blog/neck-headaches": "Neck pain and headaches",
    "/blog/spinal-issues-and-headache-relief": (
        "Understanding the Connection: Spinal Issues and Headache Relief"
    ),
    "/blog/whiplash-recovery": "Recovering from whiplash",  # listed as /blog/old-whiplash-address
    "/posture": "Phone posture and neck strain",  # no canonical link: the fetched URL
    "/blog/jaw-clenching": "Jaw clenching and headaches",  # a WordPress-style layout
}
FAILING = {
    "/blog/missing": "HTTP 404",
    "/private/staff-notes": "robots.txt",
    "/blog/slow": "within 1 s",
    "/blog/huge": "MB limit",
    "/blog/loop-a": "loop",
    "/files/brochure.pdf": "not a web page",
    "/blog/contact": "no article text",
}


class CountingEmbeddings:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.texts = 0

    def encode(self, texts, *args, **kwargs):
        self.texts += len(texts)
        return self.inner.encode(texts, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def web_settings(tmp_path, **overrides):
    values = {"fetch_delay_s": 0.0, "fetch_timeout_s": 1.0, "fetch_max_mb": 1, **overrides}
    return make_settings(tmp_path / "data", **values)


def sync_site(settings, embeddings, site, sync=False, policy=None, urls=(), sitemaps=None):
    fetcher = build_fetcher(settings, policy)
    sitemaps = [site.base + "/sitemap.xml"] if sitemaps is None else sitemaps
    web = WebSources(fetcher, list(urls), sitemaps)
    try:
        return build_indexer(settings, embeddings).sync(
            [], remove_missing=sync, progress=False, web=web
        )
    finally:
        fetcher.close()


def chunks_by_source(settings):
    store = open_store(settings)
    chunks, _ = store.live_chunks(store.article_records())
    by_source = {}
    for chunk in chunks:
        by_source.setdefault(chunk.source, []).append(chunk)
    return by_source


def test_a_sitemap_index_brings_in_every_article_page_and_reports_the_rest(
    tmp_path, site, embeddings
):
    settings = web_settings(tmp_path)
    report = sync_site(settings, embeddings, site)

    assert sorted(report.added) == sorted(site.base + p for p in ARTICLE_PAGES)
    failed = dict(report.failed)
    assert set(failed) == {site.base + p for p in FAILING}
    for path, words in FAILING.items():
        assert words in failed[site.base + path], (path, failed[site.base + path])

    records = open_store(settings).article_records()
    for path, title in ARTICLE_PAGES.items():
        record = records[site.base + path]
        assert record.title == title
        assert record.url == site.base + path  # citations link to the live page
        assert record.folder == site.base + "/sitemap.xml"
        assert record.etag
    assert records[site.base + "/blog/whiplash-recovery"].page_url == (
        site.base + "/blog/old-whiplash-address"
    )

    chunks = chunks_by_source(settings)
    for source, page_chunks in chunks.items():
        text = "\n".join(c.text for c in page_chunks)
        for furniture in FURNITURE:
            assert furniture not in text, (source, furniture)
        assert "Posted by" not in text and "Leave a Reply" not in text
    for path, blocks in [
        ("/blog/neck-headaches", NECK_ARTICLE),
        ("/blog/whiplash-recovery", WHIPLASH_ARTICLE),
        ("/blog/jaw-clenching", TMJ_ARTICLE),
    ]:
        page_chunks = chunks[site.base + path]
        text = " ".join(c.text for c in page_chunks)
        sections = {h for c in page_chunks for h in c.headings}
        for tag, content in blocks:
            if tag == "h2":
                assert content in sections, (path, content)
            elif tag == "p":
                for sentence in sentences_of(content):
                    assert sentence in text, (path, sentence)
            else:
                for item in content:
                    assert f"- {item}" in text
    # Every request said who we are; robots.txt was read once for the site.
    assert all(agent.startswith("ClinicAssistantBot/") for _, agent in site.requests)
    assert [p for p, _ in site.requests].count("/robots.txt") == 1
    assert "/private/staff-notes" not in [p for p, _ in site.requests]


def test_an_unchanged_site_is_asked_with_its_validators_and_nothing_is_embedded(
    tmp_path, site, embeddings
):
    settings = web_settings(tmp_path)
    sync_site(settings, embeddings, site)
    counting = CountingEmbeddings(embeddings)

    report = sync_site(settings, counting, site, sync=True)

    assert sorted(report.unchanged) == sorted(site.base + p for p in ARTICLE_PAGES)
    assert not report.added and not report.updated and not report.removed
    assert counting.texts == 0
    # Each article page answered 304 (no body) the second time.
    assert all(site.not_modified[p] == 1 and site.full[p] == 1 for p in ARTICLE_PAGES)


def test_a_changed_page_is_re_embedded_and_a_page_gone_from_the_sitemap_is_removed(
    tmp_path, site, embeddings
):
    settings = web_settings(tmp_path)
    sync_site(settings, embeddings, site)
    changed = [("p", "Whiplash recovery now includes a graded walking plan from week one.")]
    site.page("/blog/whiplash-recovery", "Recovering from whiplash", changed)
    site.resources["/posture"].etag = False  # a server without validators: the hash decides
    blog = [p for p in site.resources if p.startswith("/blog/")]
    site.sitemap("/sitemap-blog.xml", [p for p in blog if p != "/blog/neck-headaches"])

    without_sync = sync_site(settings, embeddings, site)
    assert without_sync.updated == [site.base + "/blog/whiplash-recovery"]
    assert site.base + "/posture" in without_sync.unchanged
    assert not without_sync.removed  # only --sync removes

    report = sync_site(settings, embeddings, site, sync=True)
    assert report.removed == [site.base + "/blog/neck-headaches"]
    chunks = chunks_by_source(settings)
    assert site.base + "/blog/neck-headaches" not in chunks
    whiplash = " ".join(c.text for c in chunks[site.base + "/blog/whiplash-recovery"])
    assert "graded walking plan" in whiplash and "three months" not in whiplash


def test_a_failed_sitemap_removes_nothing(tmp_path, site, embeddings):
    settings = web_settings(tmp_path)
    sync_site(settings, embeddings, site)
    site.resources["/sitemap.xml"] = Resource(b"<html>maintenance</html>", "text/html")

    report = sync_site(settings, embeddings, site, sync=True)

    assert not report.removed
    (source, reason), *_ = report.failed
    assert source == site.base + "/sitemap.xml" and "sitemap cannot be read" in reason
    assert len(open_store(settings).article_records()) == len(ARTICLE_PAGES)


def test_the_clinic_article_is_answered_from_its_blog_page(tmp_path, site, embeddings):
    from assistant.ask.assistant import Assistant

    settings = web_settings(tmp_path)
    page = site.base + "/blog/spinal-issues-and-headache-relief"
    report = sync_site(settings, embeddings, site, urls=[page], sitemaps=[])
    assert report.added == [page]

    reply = Assistant(settings, embeddings=embeddings).ask(
        "Can problems in my spine be the cause of my headaches?"
    )

    assert reply.kind == "answer"
    assert reply.citations and reply.citations[0].url == page
    assert re.search(r"spin|neck|cervic", reply.text, re.IGNORECASE)


def test_the_index_rebuilt_for_new_settings_fetches_its_pages_again(tmp_path, site, embeddings):
    settings = web_settings(tmp_path)
    sync_site(settings, embeddings, site)
    rebuilt_settings = web_settings(tmp_path, chunk_tokens=120)

    report = build_indexer(rebuilt_settings, embeddings).sync([], progress=False)

    assert report.rebuilt
    assert sorted(report.added) == sorted(site.base + p for p in ARTICLE_PAGES)


def test_requests_to_one_host_are_spaced_by_the_delay(tmp_path, site):
    settings = web_settings(tmp_path, fetch_delay_s=0.2)
    fetcher = build_fetcher(settings)
    for path in ("/blog/neck-headaches", "/posture", "/blog/whiplash-recovery"):
        fetcher.get(site.base + path, ("text/html",))
    fetcher.close()
    times = [t for _, t in site.arrivals]  # robots.txt, then the three pages
    assert len(times) == 4
    # Arrivals may drift by the loopback's latency, never by a whole delay.
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) > 0.19


def test_the_console_policy_keeps_fetches_on_the_clinics_hosts(tmp_path, site, monkeypatch):
    settings = web_settings(tmp_path)
    port = site.base.rsplit(":", 1)[1]
    listed = HostPolicy.site_hosts([f"127.0.0.1:{port}"])
    fetcher = build_fetcher(settings, listed)
    assert fetcher.get(site.base + "/posture", ("text/html",)).status == 200

    site.resources["/blog/away"] = Resource(status=302, location=f"http://localhost:{port}/posture")
    with pytest.raises(FetchError, match="not one of the clinic's sites"):
        fetcher.get(site.base + "/blog/away", ("text/html",))
    fetcher.close()

    elsewhere = build_fetcher(settings, HostPolicy.site_hosts(["clinic.example"]))
    with pytest.raises(FetchError, match="not one of the clinic's sites"):
        elsewhere.get(site.base + "/posture", ("text/html",))
    with pytest.raises(FetchError, match="not a web address"):
        elsewhere.get("file:///etc/passwd", ("text/html",))

    # A subdomain of a listed site that resolves into a private network, or the cloud's
    # metadata address, is refused (DNS faked: the test is about the policy, not DNS).
    for address in ("10.0.0.7", "169.254.169.254", "127.0.0.1"):
        monkeypatch.setattr(
            fetch_module.socket,
            "getaddrinfo",
            lambda *a, address=address, **k: [(2, 1, 6, "", (address, 80))],
        )
        with pytest.raises(FetchError, match="private network"):
            elsewhere.get("http://intranet.clinic.example/", ("text/html",))
    elsewhere.close()


def test_pages_from_real_site_builders_keep_the_article_and_drop_the_rest():
    from assistant.eval.sitebench import extraction_quality

    from ..helpers import EVALSETS

    quality = extraction_quality(EVALSETS / "webpages" / "dev")

    assert quality["pages"] == 7
    for page in quality["by_page"]:
        assert page["paragraph_recall"] == 1.0, page
        assert page["heading_recall"] == 1.0, page
        assert page["title_ok"] and not page["furniture_leaked"], page
