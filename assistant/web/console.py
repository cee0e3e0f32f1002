"""The staff console (a Gradio Blocks mounted at /admin behind its own login).

Uploads, removals and re-syncs go through `cli.ingest`, the same code as `ingest.py`: it takes
the data dir's lock, so the console and the command line never write the index at once. The
running visitor app answers from the new content at its next question (the index generation).
"""

import logging
import re
import shutil
import unicodedata
from pathlib import Path

import gradio as gr

from ..errors import AssistantError, IndexLockedError
from ..ingest import ingest, remove_articles
from ..ingest.fetch import FetchError, HostPolicy
from ..ingest.load import CONVERT_FIRST, SAVE_AS
from ..ingest.pages import is_url
from ..settings import Settings
from .audit import AuditLog
from .feedback import FeedbackLog

log = logging.getLogger(__name__)

UPLOAD_SUFFIXES = (".md", ".txt", ".html", ".pdf", ".docx")
SITEMAP = "A sitemap: every page it lists"
ONE_PAGE = "One page"
ARTICLE_HEADERS = ["Title", "File", "Chunks", "Last ingested", "Reviewed"]
FEEDBACK_HEADERS = ["When (UTC)", "Why", "Visitor's question", "Reply"]
FEEDBACK_KIND = {"no_sources": "Declined: no sources", "thumbs_down": "Thumbs down"}
EMERGENCY_HEADERS = ["When (UTC)", "Visitor's message (masked)", "What fired"]
AUDIT_HEADERS = ["When (UTC)", "Who", "Action", "What"]
LOCKED = "Another ingest is running (the command line or another staff member): try again shortly."


class UploadRefused(ValueError):
    """The file cannot be accepted; the message says why."""


def safe_file_name(name: str) -> str:
    """Basename only, ASCII letters, digits, dot, dash and underscore; a supported extension."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = "." + suffix.lower() if suffix else ""
    if suffix in CONVERT_FIRST:
        raise UploadRefused(f"{name!r}: '{suffix}' files cannot be read: {SAVE_AS}")
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRefused(f"{name!r}: only {', '.join(UPLOAD_SUFFIXES)} files can be uploaded")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    stem = re.sub(r"-{2,}", "-", stem).strip(".-_")[:80] or "article"
    return stem + suffix


def _ingested_at(value: str) -> str:
    return (value or "").replace("T", " ")[:16]


class Console:
    """The console's actions as plain methods (tested without a browser)."""

    def __init__(
        self, assistant, settings: Settings, feedback: FeedbackLog, audit: AuditLog | None = None
    ):
        self.assistant = assistant
        self.settings = settings
        self.feedback = feedback
        self.audit = audit or AuditLog(settings.data_dir)
        self.who = settings.admin_user  # the console has one staff account

    @property
    def folder(self) -> Path:
        return Path(self.settings.articles_dir).resolve()

    def records(self) -> dict:
        self.assistant.refresh_if_changed()
        return self.assistant.store.article_records()

    def article_rows(self) -> list[list]:
        rows = [
            [r.title, r.source, r.chunks, _ingested_at(r.ingested_at), r.reviewed or "—"]
            for r in self.records().values()
        ]
        return sorted(rows, key=lambda row: row[0].lower())

    def feedback_rows(self) -> list[list]:
        return [
            [i.at.replace("T", " ")[:19], FEEDBACK_KIND.get(i.kind, i.kind), i.question, i.reply]
            for i in self.feedback.recent(kinds=tuple(FEEDBACK_KIND))
        ]

    def emergency_rows(self) -> list[list]:
        """Messages that got the emergency reply, for a clinician to review the triage."""
        return [
            [i.at.replace("T", " ")[:19], i.question, i.reply]
            for i in self.feedback.recent(kinds=("emergency",))
        ]

    def audit_rows(self) -> list[list]:
        return [
            [e.at.replace("T", " ")[:19], e.who, e.action, e.detail] for e in self.audit.recent()
        ]

    def _ingest(self, paths: list[Path], sync: bool):
        report = ingest(self.settings, paths, sync=sync, progress=False)
        self.assistant.refresh_if_changed()
        return report

    def upload(self, files: list[str]) -> str:
        if not files:
            return "Choose one or more files first."
        limit = self.settings.max_upload_mb * 1024 * 1024
        self.folder.mkdir(parents=True, exist_ok=True)
        lines, written = [], {}
        for path in files:
            path = Path(path)
            try:
                name = safe_file_name(path.name)
                if path.stat().st_size > limit:
                    raise UploadRefused(
                        f"{path.name}: larger than the {self.settings.max_upload_mb} MB limit"
                    )
            except UploadRefused as err:
                lines.append(f"- Refused {err}")
                continue
            target = self.folder / name
            existed = target.exists()
            shutil.copyfile(path, target)
            written[name] = existed
        if written:
            try:
                report = self._ingest([self.folder], sync=False)
            except IndexLockedError:
                for name, existed in written.items():
                    if not existed:
                        (self.folder / name).unlink(missing_ok=True)
                return "\n".join([*lines, f"- {LOCKED}"])
            failed = dict(report.failed)
            for name, existed in written.items():
                if name in failed:
                    if not existed:  # a broken new file would fail every later sync
                        (self.folder / name).unlink(missing_ok=True)
                    lines.append(f"- **Failed** `{name}`: {failed[name]}")
                elif name in report.added:
                    lines.append(f"- Added `{name}`")
                elif name in report.updated:
                    lines.append(f"- Updated `{name}`")
                else:
                    lines.append(f"- Unchanged `{name}` (same content as before)")
            lines.append(f"\n{report.chunks} chunks in the index.")
        self.audit.record(self.who, "upload", " ".join(lines))
        return "\n".join(lines)

    def remove(self, source: str) -> str:
        records = self.records()
        record = records.get(source or "")
        if record is None:
            return "Choose an article to remove."
        if is_url(record.source):
            return self._remove_page(record)
        folder = Path(record.folder)
        file = folder / record.source
        if file.is_file():
            file.unlink()  # the file goes first, so the next sync cannot bring it back
        try:
            report = self._ingest([folder], sync=True)
        except IndexLockedError:
            return f"The file `{source}` was deleted; its chunks go at the next sync. {LOCKED}"
        if source in report.removed:
            self.audit.record(self.who, "remove", source)
            return f"Removed **{record.title}** (`{source}`): its file and its chunks."
        return f"`{source}` could not be removed from the index: its folder {folder} is missing."

    def _remove_page(self, record) -> str:
        try:
            remove_articles(self.settings, [record.source])
        except IndexLockedError:
            return LOCKED
        self.assistant.refresh_if_changed()
        self.audit.record(self.who, "remove", record.source)
        text = f"Removed **{record.title}** (`{record.source}`) from the index."
        if not record.folder.endswith("/"):  # listed by a sitemap
            text += (
                f" It is still listed in {record.folder}: adding that sitemap again brings it "
                "back, so take the page off the site's sitemap too."
            )
        return text

    def add_from_site(self, address: str, what: str, remove_gone: bool, progress=None) -> str:
        """Fetch one page or a sitemap's pages, only from the clinic's own hosts."""
        address = (address or "").strip()
        hosts = self.settings.site_host_list
        if not hosts:
            return (
                "The console fetches only from the clinic's own sites, and none is set: set "
                "ASSISTANT_SITE_HOSTS (e.g. `www.clinic.example`) and restart the app."
            )
        if not is_url(address):
            return "Give the page's or sitemap's full address, starting with https://"
        policy = HostPolicy.site_hosts(hosts)
        try:
            policy.check(address)
        except FetchError as err:
            return f"Refused: {err}"
        sitemap = what == SITEMAP
        try:
            report = ingest(
                self.settings,
                [],
                sync=sitemap and remove_gone,
                progress=progress or False,
                urls=[] if sitemap else [address],
                sitemaps=[address] if sitemap else [],
                policy=policy,
            )
        except IndexLockedError:
            return LOCKED
        self.assistant.refresh_if_changed()
        lines = [
            f"From {address}: added {len(report.added)}, updated {len(report.updated)}, "
            f"unchanged {len(report.unchanged)}, removed {len(report.removed)}, "
            f"failed {len(report.failed)}; {report.chunks} chunks in the index.",
            "",
        ]
        for word, sources in [
            ("Added", report.added),
            ("Updated", report.updated),
            ("Removed", report.removed),
            ("Unchanged", report.unchanged),
        ]:
            lines += [f"- {word} {url}" for url in sources]
        lines += [f"- **Failed** {url}: {reason}" for url, reason in report.failed]
        text = "\n".join(lines)
        self.audit.record(self.who, "add from website", text)
        return text

    def resync(self) -> str:
        try:
            report = self._ingest([self.folder], sync=True)
        except IndexLockedError:
            return LOCKED
        text = (
            f"Re-synced {self.folder}: added {len(report.added)}, updated {len(report.updated)}, "
            f"unchanged {len(report.unchanged)}, removed {len(report.removed)}, "
            f"failed {len(report.failed)}; {report.chunks} chunks in the index."
        )
        if report.rebuilt:
            text += " The model or splitter settings changed: the index was rebuilt."
        for source, reason in report.failed:
            text += f"\n- **Failed** `{source}`: {reason}"
        self.audit.record(self.who, "re-sync", text)
        return text


def build_admin_app(
    assistant, settings: Settings, feedback: FeedbackLog, audit: AuditLog | None = None
) -> gr.Blocks:
    console = Console(assistant, settings, feedback, audit)

    def guarded(action):
        def run(*args):
            try:
                return action(*args)
            except AssistantError as err:
                return f"Error: {err}"
            except Exception:
                log.exception("console action failed")
                return "Something went wrong; see the app's log."

        return run

    def article_choices():
        return gr.update(choices=sorted(console.records()), value=None)

    with gr.Blocks(title=f"{settings.clinic_name} – staff console") as app:
        gr.Markdown(
            f"# {settings.clinic_name} staff console\n"
            f"Articles folder: `{console.folder}`. Changes reach the visitor chat at once. "
            "[Log out](logout)"
        )
        with gr.Tab("Articles"):
            articles = gr.Dataframe(
                headers=ARTICLE_HEADERS,
                value=console.article_rows,
                label="Articles in the index",
                interactive=False,
                wrap=True,
                column_widths=["38%", "24%", "10%", "16%", "12%"],
                elem_id="articles-table",
            )
            with gr.Row():
                refresh = gr.Button("Refresh list")
                resync = gr.Button("Re-sync the articles folder", variant="primary")
            with gr.Group():
                to_remove = gr.Dropdown(
                    label="Article to remove", choices=[], value=None, elem_id="remove-choice"
                )
                remove = gr.Button("Remove…", variant="stop")
            with gr.Row(visible=False) as confirm_row:
                confirm_text = gr.Markdown()
                confirm = gr.Button("Yes, remove it", variant="stop", elem_id="confirm-remove")
                cancel = gr.Button("Cancel")
            status = gr.Markdown(elem_id="articles-status")

        with gr.Tab("Upload"):
            gr.Markdown(
                f"Upload articles ({', '.join(UPLOAD_SUFFIXES)}, up to {settings.max_upload_mb}"
                " MB each). A file with the same name replaces the article."
            )
            files = gr.File(
                label="Article files",
                file_count="multiple",
                file_types=list(UPLOAD_SUFFIXES),
                elem_id="upload-files",
            )
            upload = gr.Button("Upload and ingest", variant="primary", elem_id="upload-button")
            upload_status = gr.Markdown(elem_id="upload-status")

            gr.Markdown(
                "## Add from the website\n"
                "One page, or a sitemap to bring in every page it lists (a sitemap index "
                "too). Pages come only from the clinic's sites: "
                f"{', '.join(settings.site_host_list) or 'none set (ASSISTANT_SITE_HOSTS)'}. "
                "Citations link to the live page; adding the same sitemap again updates what "
                "changed."
            )
            site_address = gr.Textbox(
                label="Address of the page or sitemap",
                placeholder="https://www.clinic.example/sitemap.xml",
                elem_id="site-address",
            )
            site_kind = gr.Radio([ONE_PAGE, SITEMAP], value=ONE_PAGE, label="What is it?")
            site_sync = gr.Checkbox(
                label="Remove the articles of pages no longer in the sitemap", value=False
            )
            site_add = gr.Button("Add from the website", variant="primary", elem_id="site-add")
            site_status = gr.Markdown(elem_id="site-status")

        report_tab(
            "Visitor questions",
            "Questions the articles could not answer, and replies visitors gave a thumbs "
            "down. E-mail addresses and phone numbers are masked.",
            FEEDBACK_HEADERS,
            console.feedback_rows,
            "visitor_questions",
        )
        report_tab(
            "Emergency replies",
            "Messages that received the emergency reply, and the rule or the classifier that "
            "recognised them, for a clinician to review the triage. E-mail addresses and "
            "phone numbers are masked.",
            EMERGENCY_HEADERS,
            console.emergency_rows,
            "emergency_replies",
        )
        report_tab(
            "Staff actions",
            "Sign-ins, failed sign-ins, uploads, removals and re-syncs.",
            AUDIT_HEADERS,
            console.audit_rows,
            "staff_actions",
        )

        app.load(article_choices, outputs=[to_remove])
        refresh.click(console.article_rows, outputs=[articles], api_name="articles").then(
            article_choices, outputs=[to_remove]
        )
        resync.click(guarded(console.resync), outputs=[status], api_name="resync").then(
            console.article_rows, outputs=[articles]
        ).then(article_choices, outputs=[to_remove])

        def ask_confirmation(source):
            if not source:
                return gr.update(visible=False), "", "Choose an article to remove."
            return (
                gr.update(visible=True),
                f"Remove `{source}`? Its file is deleted from the articles folder and its "
                "chunks from the index.",
                "",
            )

        remove.click(ask_confirmation, [to_remove], [confirm_row, confirm_text, status])
        cancel.click(
            lambda: (gr.update(visible=False), "Nothing removed."), None, [confirm_row, status]
        )
        confirm.click(guarded(console.remove), [to_remove], [status], api_name="remove").then(
            lambda: gr.update(visible=False), None, [confirm_row]
        ).then(console.article_rows, outputs=[articles]).then(article_choices, outputs=[to_remove])

        def add_from_site(address, kind, remove_gone, progress=gr.Progress()):  # noqa: B008
            def report(done: int, total: int, url: str) -> None:
                progress((done, total), desc=f"Fetching {url}" if url else "Done", unit="pages")

            return guarded(console.add_from_site)(address, kind, remove_gone, report)

        site_add.click(
            add_from_site, [site_address, site_kind, site_sync], [site_status], api_name="add_site"
        ).then(console.article_rows, outputs=[articles]).then(article_choices, outputs=[to_remove])
        upload.click(guarded(console.upload), [files], [upload_status], api_name="upload").then(
            lambda: None, None, [files]
        ).then(console.article_rows, outputs=[articles]).then(article_choices, outputs=[to_remove])
    return app


def report_tab(title: str, intro: str, headers: list[str], rows, api_name: str) -> None:
    """A tab with a read-only table of `rows()` and a button that refreshes it."""
    with gr.Tab(title):
        gr.Markdown(intro)
        table = gr.Dataframe(headers=headers, value=rows, label=title, interactive=False, wrap=True)
        gr.Button("Refresh").click(rows, outputs=[table], api_name=api_name)
