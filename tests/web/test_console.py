"""The staff console: its actions go through cli.ingest, and only a logged-in user reaches them."""

import urllib.error
import urllib.request

import pytest
from pydantic import SecretStr

from assistant.ingest import build_indexer
from assistant.ingest.index import ingest_lock
from assistant.settings import Settings
from assistant.web.console import LOCKED, Console, UploadRefused, safe_file_name
from assistant.web.feedback import FeedbackLog
from tests.helpers import SAUNA, running_app


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("whiplash.md", "whiplash.md"),
        ("../../etc/Passwd Notes.TXT", "Passwd-Notes.txt"),
        ("C:\\Users\\x\\Névralgie occipitale.html", "Nevralgie-occipitale.html"),
        ("...hidden.pdf", "hidden.pdf"),
        ("<script>.md", "script.md"),
        ("💥.md", "article.md"),
    ],
)
def test_safe_file_name(name, expected):
    assert safe_file_name(name) == expected


@pytest.mark.parametrize("name", ["run.exe", "notes.md.sh", "README", "archive.tar.gz"])
def test_safe_file_name_refuses_other_types(name):
    with pytest.raises(UploadRefused):
        safe_file_name(name)


@pytest.fixture
def console(tmp_path, embeddings, articles_copy):
    from assistant.ask.assistant import Assistant

    settings = Settings(
        data_dir=tmp_path / "data",
        articles_dir=articles_copy,
        admin_password=SecretStr("s3cret"),
        max_upload_mb=1,
    )
    build_indexer(settings, embeddings).sync([articles_copy], progress=False)
    assistant = Assistant(settings, embeddings=embeddings)
    return Console(assistant, settings, FeedbackLog(settings.data_dir))


def test_upload_adds_the_article_and_the_assistant_cites_it(console, tmp_path):
    upload = tmp_path / "uploads" / "Sauna & neck.md"
    upload.parent.mkdir()
    upload.write_text(SAUNA)
    status = console.upload([str(upload)])
    assert "Added `Sauna-neck.md`" in status
    assert (console.folder / "Sauna-neck.md").is_file()
    rows = {row[1]: row for row in console.article_rows()}
    assert rows["Sauna-neck.md"][0] == "Saunas and neck tension" and rows["Sauna-neck.md"][2] >= 1
    reply = console.assistant.ask("Can a sauna session ease neck tension headaches?")
    assert any(c.source == "Sauna-neck.md" for c in reply.citations)

    status = console.upload([str(upload)])  # same content again
    assert "Unchanged `Sauna-neck.md`" in status


def test_upload_refuses_wrong_types_big_files_and_reports_loader_failures(console, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "tool.exe").write_bytes(b"MZ")
    (folder / "big.txt").write_text("neck " * 300_000)  # 1.5 MB, over the 1 MB limit
    (folder / "broken.pdf").write_bytes(b"not a pdf at all")
    before = sorted(p.name for p in console.folder.iterdir())
    status = console.upload([str(folder / n) for n in ("tool.exe", "big.txt", "broken.pdf")])
    assert "Refused 'tool.exe'" in status
    assert "big.txt: larger than the 1 MB limit" in status
    assert "**Failed** `broken.pdf`" in status
    assert sorted(p.name for p in console.folder.iterdir()) == before  # nothing broken left


def test_remove_deletes_file_and_chunks_and_sync_does_not_bring_it_back(console):
    assert "whiplash.md" in console.records()
    status = console.remove("whiplash.md")
    assert "Removed" in status and "whiplash.md" in status
    assert not (console.folder / "whiplash.md").exists()
    assert "whiplash.md" not in console.records()
    assert "removed 0" in console.resync()
    assert "whiplash.md" not in console.records()
    reply = console.assistant.ask("Could whiplash from a car accident cause my headaches?")
    assert all(c.source != "whiplash.md" for c in reply.citations)


def test_resync_picks_up_files_and_reports_a_locked_index(console):
    (console.folder / "sauna.md").write_text(SAUNA)
    assert "added 1" in console.resync()
    with ingest_lock(console.settings.data_dir):
        assert console.resync() == LOCKED
        assert LOCKED in console.remove("sauna.md")


def test_feedback_report_rows(console):
    console.feedback.record("thumbs_down", "Is it my neck? a@b.org", "Reply text")
    [row] = console.feedback_rows()
    assert row[1:] == ["Thumbs down", "Is it my neck? [email]", "Reply text"]


def test_console_needs_the_login_and_stays_out_of_the_visitor_api(console):
    from gradio_client import Client

    with running_app(console.assistant, console.settings) as url:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url + "admin/config")
        assert err.value.code == 401
        with pytest.raises(ValueError, match="Could not login"):
            Client(url + "admin/", auth=("admin", "wrong"), verbose=False)
        staff = Client(url + "admin/", auth=("admin", "s3cret"), verbose=False)
        staff_api = staff.view_api(return_format="dict", print_info=False)
        assert any("upload" in name for name in staff_api["named_endpoints"])
        visitor_api = Client(url, verbose=False).view_api(return_format="dict", print_info=False)
        assert list(visitor_api["named_endpoints"]) == ["/chat"]
