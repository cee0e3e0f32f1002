"""The console's "Add from the website" and Word uploads: only the clinic's hosts are fetched,
through the same ingest code and lock as the command line."""

import pytest
from pydantic import SecretStr

from assistant.ingest import build_indexer
from assistant.ingest.index import ingest_lock
from assistant.settings import Settings
from assistant.web.console import LOCKED, ONE_PAGE, SITEMAP, Console, UploadRefused, safe_file_name
from assistant.web.feedback import FeedbackLog
from tests.helpers import running_app
from tests.ingest.site import Resource
from tests.ingest.test_load import word_document


def make_console(tmp_path, embeddings, articles_copy, site_hosts: str) -> Console:
    from assistant.ask.assistant import Assistant

    settings = Settings(
        data_dir=tmp_path / "data",
        articles_dir=articles_copy,
        admin_password=SecretStr("s3cret"),
        site_hosts=site_hosts,
        fetch_delay_s=0.0,
        fetch_timeout_s=1.0,
        fetch_max_mb=1,
    )
    build_indexer(settings, embeddings).sync([articles_copy], progress=False)
    return Console(Assistant(settings, embeddings=embeddings), settings, FeedbackLog(tmp_path))


@pytest.fixture
def console(tmp_path, embeddings, articles_copy, site):
    return make_console(tmp_path, embeddings, articles_copy, site.base.removeprefix("http://"))


def test_a_sitemap_added_from_the_console_reports_each_page_and_is_answered_from(console, site):
    steps = []
    status = console.add_from_site(
        site.base + "/sitemap.xml", SITEMAP, False, lambda *step: steps.append(step)
    )

    assert f"- Added {site.base}/blog/neck-headaches" in status
    assert f"- **Failed** {site.base}/blog/missing: the page is gone (HTTP 404)" in status
    assert f"- **Failed** {site.base}/private/staff-notes: the site's robots.txt" in status
    assert steps[-1] == (steps[-1][1], steps[-1][1], "") and steps[-1][1] >= 10  # all done
    reply = console.assistant.ask("Does looking down at my phone strain my neck?")
    assert reply.citations[0].url == site.base + "/posture"
    assert "add from website" in [row[2] for row in console.audit_rows()]

    status = console.remove(site.base + "/posture")
    assert "Removed **Phone posture and neck strain**" in status and "sitemap" in status
    assert site.base + "/posture" not in console.records()
    assert "whiplash.md" in console.records()  # the files' articles are untouched


def test_the_console_fetches_only_from_the_clinics_hosts(tmp_path, embeddings, articles_copy, site):
    port = site.base.rsplit(":", 1)[1]
    console = make_console(tmp_path, embeddings, articles_copy, f"127.0.0.1:{port}")
    site.resources["/blog/away"] = Resource(status=302, location=f"http://localhost:{port}/")

    outside = console.add_from_site(f"http://localhost:{port}/posture", ONE_PAGE, False)
    redirected = console.add_from_site(site.base + "/blog/away", ONE_PAGE, False)

    assert outside.startswith("Refused: localhost is not one of the clinic's sites")
    assert "**Failed**" in redirected and "not one of the clinic's sites" in redirected
    assert not any(path == "/posture" for path, _ in site.requests)
    with ingest_lock(console.settings.data_dir):
        assert console.add_from_site(site.base + "/posture", ONE_PAGE, False) == LOCKED

    unset = make_console(tmp_path / "other", embeddings, articles_copy, "")
    assert "set ASSISTANT_SITE_HOSTS" in unset.add_from_site(site.base, ONE_PAGE, False)


def test_word_uploads_are_ingested_and_old_word_files_are_refused(console, tmp_path):
    upload = word_document(tmp_path / "Whiplash leaflet.docx", title_style=True)
    status = console.upload([str(upload)])
    assert "Added `Whiplash-leaflet.docx`" in status
    assert console.records()["Whiplash-leaflet.docx"].title == "Whiplash after a car accident"
    with pytest.raises(UploadRefused, match=r"save it as \.docx or PDF"):
        safe_file_name("leaflet.doc")


def test_add_from_the_website_through_the_running_console(console, site):
    from gradio_client import Client

    with running_app(console.assistant, console.settings) as url:
        staff = Client(url + "admin/", auth=("admin", "s3cret"), verbose=False)
        status = staff.predict(site.base + "/posture", ONE_PAGE, False, api_name="/add_site")
    assert f"- Added {site.base}/posture" in status
    assert site.base + "/posture" in console.records()
