"""The pages in Debian's Chromium (Playwright), against the app on 127.0.0.1.

Screenshots go to a temp dir (ASSISTANT_SHOTS_DIR to choose it) for a person to look at.
"""

import os
import shutil
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.ingest import build_indexer
from assistant.settings import Settings
from assistant.web.feedback import FeedbackLog
from tests.helpers import ARTICLES, SAUNA, running_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ANSWER_WAIT_MS = 30_000
BOOKING = "https://clinic.example/book"
if not Path(CHROMIUM).exists():
    pytest.skip(
        "Chromium is missing: make browser (apt-get install chromium)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("ASSISTANT_SHOTS_DIR") or tempfile.mkdtemp(prefix="shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory, embeddings):
    """The app on a small index of its own, with the staff console on."""
    from assistant.ask.assistant import Assistant

    root = tmp_path_factory.mktemp("site")
    folder = root / "articles"
    folder.mkdir()
    for name in ("cervicogenic-headache.md", "whiplash.md", "red-flags.md", "exercises-at-home.md"):
        shutil.copy(ARTICLES / name, folder / name)
    settings = Settings(
        data_dir=root / "data",
        articles_dir=folder,
        admin_password=SecretStr("s3cret-pw"),
        booking_url=BOOKING,
        frame_ancestors="'self' http://127.0.0.1:*",  # the clinic's page below, on its own port
    )
    build_indexer(settings, embeddings).sync([folder], progress=False)
    with running_app(Assistant(settings, embeddings=embeddings), settings) as url:
        yield url, settings


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    external = []
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else external.append(r.url)
        ),
    )
    yield page
    context.close()
    assert not external, f"the page reached outside the clinic's server: {external}"


def ask(scope, question: str):
    """Type a question, send it with Enter; returns the last bot message once complete."""
    from playwright.sync_api import expect

    box = scope.get_by_role("textbox", name="Your question")
    box.fill(question)
    box.press("Enter")
    reply = scope.locator(".message-row.bot-row").last
    expect(reply.locator(".disclaimer")).to_be_visible(timeout=ANSWER_WAIT_MS)
    return reply


def test_answer_shows_citations_and_the_disclaimer(page, site, shots):
    from playwright.sync_api import expect

    url, settings = site
    page.goto(url)
    book = page.get_by_role("link", name="Book a consultation", exact=True)
    expect(book).to_have_attribute("href", BOOKING)
    reply = ask(page, "Can problems in my neck cause headaches?")
    expect(reply).to_contain_text("[1]")
    citation = reply.locator(".sources summary").first
    expect(citation).to_contain_text("[1]")
    citation.click()
    expect(reply.locator(".sources blockquote").first).to_be_visible()
    expect(reply.locator(".disclaimer")).to_contain_text("not medical advice")
    colour = reply.locator(".disclaimer").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour != "rgba(0, 0, 0, 0)"  # styled apart from the answer
    page.screenshot(path=shots / "desktop-answer.png", full_page=True)


def test_emergency_reply_is_unmistakable(page, site, shots):
    from playwright.sync_api import expect

    url, settings = site
    page.goto(url)
    reply = ask(page, "I suddenly have the worst headache of my life and can't speak properly")
    alert = reply.locator(".emergency")
    expect(alert).to_be_visible()
    expect(
        alert.get_by_role("link", name=f"Call {settings.emergency_number} now")
    ).to_have_attribute("href", f"tel:{settings.emergency_number}")
    assert alert.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(253, 236, 234)"
    page.screenshot(path=shots / "emergency.png", full_page=True)


def test_phone_width_and_keyboard_only(browser, site, shots):
    from playwright.sync_api import expect

    url, _ = site
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(url)
        expect(page.get_by_role("link", name="Book a consultation", exact=True)).to_be_in_viewport()
        box = page.get_by_role("textbox", name="Your question")
        expect(box).to_be_in_viewport()
        for _ in range(25):  # Tab from the top reaches the booking link, then the question box
            page.keyboard.press("Tab")
            if box.evaluate("e => e === document.activeElement"):
                break
        else:
            pytest.fail("the question box cannot be reached with Tab")
        page.keyboard.type("What exercises help with neck-related headaches?")
        page.keyboard.press("Enter")
        reply = page.locator(".message-row.bot-row").last
        expect(reply.locator(".disclaimer")).to_be_visible(timeout=ANSWER_WAIT_MS)
        overflow = page.evaluate("document.scrollingElement.scrollWidth")
        assert overflow <= 375, f"the page scrolls sideways at phone width ({overflow}px)"
        page.screenshot(path=shots / "phone.png")
    finally:
        context.close()


@pytest.fixture
def clinic_site(site, tmp_path):
    """The clinic's own page, on an origin of its own, with the README's iframe in it.

    (A page made with set_content has no origin; Gradio inside it sometimes never finishes
    loading, which no real site shows.)"""
    url, _ = site
    (tmp_path / "index.html").write_text(
        "<!doctype html><title>Clinic</title><h1>The clinic's own page</h1>"
        f'<iframe src="{url}" title="Ask the clinic" style="width:100%;height:760px;border:0">'
        "</iframe>",
        encoding="utf-8",
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


def test_chat_works_inside_an_iframe(page, clinic_site, shots):
    from playwright.sync_api import expect

    page.goto(clinic_site)
    frame = page.frame_locator("iframe")
    expect(frame.locator("#clinic-header")).to_be_visible(timeout=ANSWER_WAIT_MS)
    reply = ask(frame, "Could whiplash from a car accident cause my headaches?")
    expect(reply).to_contain_text("[1]")
    page.screenshot(path=shots / "iframe.png", full_page=True)


def test_thumbs_down_is_logged_and_clear_empties_the_chat(page, site):
    from playwright.sync_api import expect

    url, settings = site
    page.goto(url)
    question = "What exercises help with neck-related headaches? mail me at x@y.org"
    ask(page, question)
    page.get_by_role("button", name="Dislike").last.click()
    log = FeedbackLog(settings.data_dir)
    for _ in range(50):  # the like event is quick but asynchronous
        if any(i.kind == "thumbs_down" for i in log.recent()):
            break
        page.wait_for_timeout(100)
    [item] = [i for i in log.recent() if i.kind == "thumbs_down"]
    assert item.question == question.replace("x@y.org", "[email]")
    assert "not medical advice" in item.reply

    page.get_by_role("button", name="Clear conversation").click()
    expect(page.locator(".message-row")).to_have_count(0)


def test_admin_refuses_without_login_and_an_upload_is_then_cited(page, site, shots, tmp_path):
    from playwright.sync_api import expect

    url, settings = site
    page.goto(url + "admin/")
    expect(page.get_by_role("button", name="Login")).to_be_visible()
    expect(page.get_by_text("Upload and ingest")).to_have_count(0)
    page.locator("input[type=text]").fill("admin")
    page.locator("input[type=password]").fill("wrong")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_text("Incorrect")).to_be_visible()
    page.locator("input[type=text]").fill("admin")
    page.locator("input[type=password]").fill("s3cret-pw")
    page.get_by_role("button", name="Login").click()

    expect(
        page.get_by_role("heading", name=f"{settings.clinic_name} staff console")
    ).to_be_visible()
    expect(page.locator("#articles-table")).to_contain_text("Whiplash")
    expect(page.locator(".progress-text")).to_have_count(0, timeout=15_000)  # loads finished
    page.screenshot(path=shots / "admin-articles.png", full_page=True)

    upload = tmp_path / "Sauna and neck.md"
    upload.write_text(SAUNA)
    page.get_by_role("tab", name="Upload").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and ingest").click()
    expect(page.locator("#upload-status")).to_contain_text(
        "Added Sauna-and-neck.md", timeout=60_000
    )
    page.screenshot(path=shots / "admin-upload.png", full_page=True)
    page.get_by_role("tab", name="Articles").click()
    expect(page.locator("#articles-table")).to_contain_text("Saunas and neck tension")

    visitor = page.context.new_page()
    visitor.goto(url)
    reply = ask(visitor, "Can a sauna session ease neck tension headaches?")
    expect(reply.locator(".sources")).to_contain_text("Saunas and neck tension")
    visitor.screenshot(path=shots / "after-upload.png", full_page=True)


HOSTILE_QUESTION = (
    '<img src="http://203.0.113.1/x.png"> <b>bold</b> [link](http://203.0.113.5/) '
    "**stars** does whiplash cause headaches?"
)


def test_what_a_visitor_types_is_shown_as_text(page, site):
    from playwright.sync_api import expect

    url, _ = site
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    ask(page, HOSTILE_QUESTION)
    mine = page.locator(".message-row.user-row").last
    expect(mine).to_contain_text('<img src="http://203.0.113.1/x.png"> <b>bold</b> [link]')
    expect(mine).to_contain_text("**stars**")
    assert mine.locator("img, b, strong, a").count() == 0
    assert page.locator('img[src*="203.0.113"], a[href*="203.0.113"]').count() == 0
    assert not dialogs  # the page fixture also fails on any request beyond loopback


def test_markup_inside_an_article_is_shown_as_text(browser, tmp_path, embeddings):
    from playwright.sync_api import expect

    from assistant.ask.assistant import Assistant

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "heat.md").write_text(
        "---\ntitle: Heat for a stiff neck\n---\n\n## Using heat\n\n"
        "Warm packs <img src=x onerror=alert(1)> and <b>warm towels</b> ease neck stiffness "
        "<script>alert(2)</script> for many people.\n"
    )
    settings = Settings(data_dir=tmp_path / "data", articles_dir=folder)
    build_indexer(settings, embeddings).sync([folder], progress=False)
    page = browser.new_page()
    dialogs, external = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on(
        "request",
        lambda r: None if r.url.startswith("http://127.0.0.1") else external.append(r.url),
    )
    with running_app(Assistant(settings, embeddings=embeddings), settings) as url:
        page.goto(url)
        reply = ask(page, "do warm packs ease a stiff neck?")
        expect(reply).to_contain_text("<img src=x onerror=alert(1)>")
        expect(reply).to_contain_text("<script>alert(2)</script>")
        assert reply.locator("img, b, script").count() == 0
    page.close()
    assert not dialogs and not [u for u in external if not u.startswith(("data:", "blob:"))]


AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def axe_violations(page) -> list[str]:
    """WCAG 2.1 A/AA violations of impact critical or serious, as "rule: element" lines."""
    from axe_playwright_python.sync_playwright import Axe  # ships axe-core; nothing downloaded

    found = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{v['id']}: {n['target']}"
        for v in found
        if v["impact"] in ("critical", "serious")
        for n in v["nodes"]
    ]


@pytest.mark.parametrize("width", [1280, 375])
def test_no_serious_accessibility_violation_before_and_after_a_conversation(browser, site, width):
    from playwright.sync_api import expect

    url, _ = site
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(url)
        expect(page.locator("#clinic-header")).to_be_visible()
        assert axe_violations(page) == []
        ask(page, "Can problems in my neck cause headaches?")
        ask(page, "I have the worst headache of my life right now and I'm vomiting")
        expect(page.locator(".emergency").last).to_be_visible()
        assert axe_violations(page) == []
        # replies are announced: the conversation is a polite live region
        assert page.locator('[role="log"][aria-live="polite"]').count() >= 1
    finally:
        context.close()


def test_keyboard_alone_reaches_the_sources_and_the_booking_link(page, site):
    url, _ = site
    page.goto(url)
    reply = ask(page, "Can problems in my neck cause headaches?")
    reached = set()
    for _ in range(60):  # Tab onward from the question box, through the reply
        page.keyboard.press("Tab")
        where = page.evaluate(
            "() => { const e = document.activeElement;"
            " return [e.tagName, e.textContent.slice(0, 60), !!e.closest('.sources'),"
            " e.getAttribute('href') || ''] }"
        )
        if where[2]:
            reached.add("sources")
        if where[3] == BOOKING:
            reached.add("booking")
        if reached == {"sources", "booking"}:
            break
    assert reached == {"sources", "booking"}, reached
    assert reply.locator(".sources").count() == 1
