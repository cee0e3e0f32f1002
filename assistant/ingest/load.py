"""Files -> Articles: Markdown with front matter, plain text, HTML, PDF and Word, validated.

Every problem with a file becomes a LoadError whose message says what is wrong and what to do,
so ingestion can report it by name and go on with the other files.
"""

import datetime as dt
import hashlib
import io
import re
import unicodedata
from pathlib import Path

from ..errors import LoadError
from ..types import Article

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}
# Documents staff may drop in a folder that we cannot read: reported, never silently skipped.
CONVERT_FIRST = {".doc", ".docm", ".dot", ".dotx", ".rtf", ".odt", ".pages", ".wpd", ".wps"}
SAVE_AS = "save it as .docx or PDF (in Word: File > Save As), or as .md or .txt"
MIN_BODY_CHARS = 20
BULLETS = re.compile(r"^\s*[•●▪◦‣∙·*–-]\s+", re.MULTILINE)


def find_article_files(path: Path) -> list[tuple[Path, Path]]:
    """(file, root) pairs under path; a file's source is its path relative to root."""
    path = path.resolve()
    if path.is_file():
        return [(path, path.parent)]
    if not path.is_dir():
        raise LoadError(f"{path}: no such file or folder")
    files = [
        f
        for f in sorted(path.rglob("*"))
        if f.is_file()
        and f.suffix.lower() in SUPPORTED_SUFFIXES | CONVERT_FIRST
        and not any(part.startswith(".") for part in f.relative_to(path).parts)
        and f.stem.lower() != "readme"  # a folder's README describes it; it is no article
    ]
    return [(f, path) for f in files]


def load_article(file: Path, root: Path) -> Article:
    source = file.relative_to(root).as_posix()
    suffix = file.suffix.lower()
    if suffix in CONVERT_FIRST:
        raise LoadError(f"'{suffix}' files cannot be read: {SAVE_AS}")
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(
            f"unsupported file type '{suffix}': save the article as .md, .txt, .html, .docx or .pdf"
        )
    try:
        data = file.read_bytes()
    except OSError as err:
        raise LoadError(f"cannot read the file ({err.strerror}): check its permissions") from err
    if not data.strip():
        raise LoadError("the file is empty: add the article's text, or delete the file")

    if suffix == ".pdf":
        title, body, meta = _parse_pdf(data, file.stem)
    elif suffix == ".docx":
        title, body, meta = _parse_docx(data, file.stem)
    else:
        text = _decode(data)
        if suffix in {".md", ".markdown"}:
            title, body, meta = _parse_markdown(text, file.stem)
        elif suffix in {".html", ".htm"}:
            title, body, meta = _parse_html(text, file.stem)
        else:
            title, body, meta = _parse_plain_text(text, file.stem)

    body = normalise(body)
    if len(body) < MIN_BODY_CHARS:
        raise LoadError("the article has no body text: add its text below the title")
    return make_article(source, str(root), title, body, meta)


def make_article(source: str, folder: str, title: str, body: str, meta: dict) -> Article:
    """An Article from what a loader found; its content hash covers what the index shows."""
    title = normalise(title).lstrip("# ").strip() or Path(source).stem.replace("-", " ").title()
    url = _optional_str(meta.get("url"))
    reviewed = meta.get("reviewed")
    if isinstance(reviewed, dt.date | dt.datetime):
        reviewed = reviewed.isoformat()[:10]
    reviewed = _optional_str(reviewed)
    tags = meta.get("tags") or ()
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    if not isinstance(tags, list | tuple):
        raise LoadError("front matter 'tags' must be a list, like: tags: [neck, posture]")
    tags = tuple(str(t).strip() for t in tags if str(t).strip())
    digest = hashlib.sha256(
        "\x1f".join([title, url or "", reviewed or "", ",".join(tags), body]).encode()
    ).hexdigest()
    return Article(
        source=source,
        folder=folder,
        title=title,
        text=body,
        content_hash=digest,
        url=url,
        reviewed=reviewed,
        tags=tags,
        etag=_optional_str(meta.get("etag")),
        last_modified=_optional_str(meta.get("last_modified")),
        page_url=_optional_str(meta.get("page_url")),
    )


def _optional_str(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise LoadError(
            "this is not a text file (it holds binary data): "
            "save the article as Markdown, plain text, HTML, Word (.docx) or PDF"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise LoadError(
            f"the text is not UTF-8 (bad byte at position {err.start}): "
            "save the file with UTF-8 encoding"
        ) from err


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    text = BULLETS.sub("- ", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _parse_markdown(text: str, fallback_title: str) -> tuple[str, str, dict]:
    meta: dict = {}
    body = text
    if text.lstrip().startswith("---"):
        import frontmatter
        import yaml

        try:
            post = frontmatter.loads(text.lstrip())
        except yaml.YAMLError as err:
            first_line = str(err).splitlines()[0]
            raise LoadError(
                f"broken front matter ({first_line}): fix the YAML between the two '---' lines"
            ) from err
        if not isinstance(post.metadata, dict):
            raise LoadError("front matter must be 'key: value' lines between two '---' lines")
        meta, body = dict(post.metadata), post.content
    title = _optional_str(meta.get("title"))
    heading = re.search(r"^# (.+)$", body, re.MULTILINE)
    if heading and (not title or heading.group(1).strip() == title):
        # The H1 is the title, not body text.
        title = title or heading.group(1).strip()
        body = body[: heading.start()] + body[heading.end() :]
    return title or fallback_title, body, meta


def _parse_plain_text(text: str, fallback_title: str) -> tuple[str, str, dict]:
    lines = normalise(text).split("\n")
    title = next((line.strip() for line in lines if line.strip()), fallback_title)
    # Drop the title and any repeats of it at the top (the clinic's files repeat it).
    start = 0
    while start < len(lines) and lines[start].strip() in ("", title):
        start += 1
    return title, _mark_headings(lines[start:]), {}


def _mark_headings(lines: list[str]) -> str:
    """Plain text has no heading syntax: a short line standing alone is a section heading."""
    out = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        alone = (i == 0 or not lines[i - 1].strip()) and (
            i + 1 < len(lines) and not lines[i + 1].strip()
        )
        is_heading = (
            alone
            and stripped
            and len(stripped.split()) <= 12
            and not stripped.startswith("- ")
            and stripped[-1] not in ".,;:!"
            and i + 2 < len(lines)
        )
        out.append(f"## {stripped}" if is_heading else line)
    return "\n".join(out)


def _parse_html(text: str, fallback_title: str) -> tuple[str, str, dict]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    title_tag = soup.find("h1") or soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else fallback_title
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "noscript"]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    blocks = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "dd", "td"]
    parts = []
    for el in root.find_all(blocks):
        if el.find_parent(blocks):
            continue  # its text is already in the enclosing block
        words = el.get_text(" ", strip=True)
        if not words or (el.name == "h1" and words == title):
            continue
        if el.name in ("h2", "h3", "h4", "h5", "h6"):
            parts.append(f"## {words}")
        elif el.name == "li":
            parts.append(f"- {words}")
        else:
            parts.append(words)
    body = "\n\n".join(parts) or root.get_text("\n", strip=True)
    meta = {}
    canonical = soup.find("link", rel="canonical")
    if canonical and canonical.get("href", "").startswith("http"):
        meta["url"] = canonical["href"]
    return title, body, meta


def _parse_pdf(data: bytes, fallback_title: str) -> tuple[str, str, dict]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError("the PDF is password-protected: save an unprotected copy and upload it")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as err:
        raise LoadError(
            f"cannot read this PDF ({err}): check that it opens, or export it again as PDF"
        ) from err
    text = "\n\n".join(pages).strip()
    if not text:
        raise LoadError(
            "the PDF has no text layer (a scanned image?): export it with its text, "
            "or save the article as .txt or .md"
        )
    title, body, _ = _parse_plain_text(text, fallback_title)
    if meta_title and meta_title.strip() and meta_title.strip().lower() != "untitled":
        title = meta_title.strip()
    return title, body, {}


DOCX_STYLES = """
p[style-name='Title'] => h1.title:fresh
p[style-name='Subtitle'] => p:fresh
p[style-name='heading 1'] => h2:fresh
p[style-name='heading 2'] => h3:fresh
p[style-name='heading 3'] => h4:fresh
"""


def _parse_docx(data: bytes, fallback_title: str) -> tuple[str, str, dict]:
    """Word through mammoth: it turns Word's heading styles into headings and its bulleted and
    numbered paragraphs into lists, which the HTML reader makes sections and "- " items. The
    title is the Title paragraph, else a Heading 1 that opens the document, else a short first
    paragraph."""
    import zipfile

    import mammoth

    try:
        html = mammoth.convert_to_html(io.BytesIO(data), style_map=DOCX_STYLES).value
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise LoadError(
            f"cannot read this Word file ({err}): open it in Word and save it again as .docx"
        ) from err
    if not html.strip():
        raise LoadError("the Word file has no text: add the article's text, or delete the file")
    if '<h1 class="title">' not in html:
        opening = re.match(r"\s*<(h2|p)>([^<]{1,120})</\1>", html)
        if opening:
            html = f"<h1>{opening.group(2)}</h1>" + html[opening.end() :]
    return _parse_html(html, fallback_title)
