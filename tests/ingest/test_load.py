import pytest

from assistant.errors import LoadError
from assistant.ingest.load import find_article_files, load_article
from tests.helpers import CLINIC_ARTICLE


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_markdown_front_matter(tmp_path):
    path = write(
        tmp_path,
        "whiplash.md",
        (
            "---\ntitle: Whiplash and headaches\nurl: https://clinic.example/whiplash\n"
            "reviewed: 2026-10-01\ntags: [whiplash, neck]\n---\n"
            "## What is whiplash?\nWhiplash is a neck injury caused by a sudden movement.\n"
        ),
    )
    article = load_article(path, tmp_path)
    assert article.source == "whiplash.md"
    assert article.title == "Whiplash and headaches"
    assert article.url == "https://clinic.example/whiplash"
    assert article.reviewed == "2026-10-01"
    assert article.tags == ("whiplash", "neck")
    assert "## What is whiplash?" in article.text


def test_markdown_title_from_first_heading(tmp_path):
    path = write(
        tmp_path, "a.md", "# Neck pain basics\n\nNeck pain is common and often improves.\n"
    )
    article = load_article(path, tmp_path)
    assert article.title == "Neck pain basics"
    assert "Neck pain basics" not in article.text


def test_source_is_relative_to_the_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "b.md", "# B\n\nSome body text that is long enough to count.\n")
    files = find_article_files(tmp_path)
    assert [load_article(f, root).source for f, root in files] == ["sub/b.md"]


def test_clinic_text_article_as_it_came():
    article = load_article(CLINIC_ARTICLE, CLINIC_ARTICLE.parent)
    assert article.title == "Understanding the Connection: Spinal Issues and Headache Relief"
    assert article.title not in article.text  # the repeated title lines are dropped
    assert "## Diagnosing the Root Cause" in article.text  # headings recovered from plain text
    assert "•" not in article.text and "- Physical Therapy" in article.text


def test_html_main_text_without_navigation(tmp_path):
    path = write(
        tmp_path,
        "page.html",
        (
            "<html><head><title>Site | Posture</title></head><body>"
            "<nav><a href='/'>Home</a> Menu items</nav>"
            "<main><h1>Posture and headaches</h1><h2>Tech neck</h2>"
            "<p>Looking down at a phone for hours strains the neck muscles.</p>"
            "<ul><li>Raise the screen</li><li>Take breaks</li></ul></main>"
            "<footer>Copyright clinic</footer><script>track()</script></body></html>"
        ),
    )
    article = load_article(path, tmp_path)
    assert article.title == "Posture and headaches"
    assert "## Tech neck" in article.text and "- Raise the screen" in article.text
    assert "Menu items" not in article.text and "Copyright" not in article.text
    assert "track" not in article.text


def make_pdf(path, lines):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    y = 800
    for line in lines:
        pdf.drawString(72, y, line)
        y -= 20
    pdf.save()


def test_pdf_text(tmp_path):
    path = tmp_path / "leaflet.pdf"
    make_pdf(
        path,
        [
            "Occipital nerve blocks",
            "",
            "An occipital nerve block is an injection near the nerves at the back of the head.",
        ],
    )
    article = load_article(path, tmp_path)
    assert article.title == "Occipital nerve blocks"
    assert "injection near the nerves" in article.text


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.md", "   \n", "empty"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        ("latin1.txt", "Caf\xe9 headaches and neck pain explained".encode("latin-1"), "UTF-8"),
        (
            "broken.md",
            "---\ntitle: [unclosed\ntags: x\n---\nBody text that is long enough here.\n",
            "front matter",
        ),
        ("bad.pdf", b"%PDF-1.4\nthis is not really a pdf\n", "PDF"),
        ("notes.docx", "whatever", "save it again as .docx"),
        ("notes.doc", b"\xd0\xcf\x11\xe0 old Word", "save it as .docx or PDF"),
        ("notes.rtf", "{\\rtf1 Neck pain}", "save it as .docx or PDF"),
        ("notes.odt", b"PK\x03\x04", "save it as .docx or PDF"),
        ("notes.key", "whatever", "unsupported file type"),
        ("titleonly.md", "---\ntitle: Only a title\n---\n", "no body"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, name, content, reason):
    path = write(tmp_path, name, content)
    with pytest.raises(LoadError, match=reason):
        load_article(path, tmp_path)


def test_scanned_pdf_without_text(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 200, 200, fill=1)  # a picture, no text
    pdf.save()
    with pytest.raises(LoadError, match="no text"):
        load_article(path, tmp_path)


def word_document(path, title_style: bool):
    import docx

    document = docx.Document()
    if title_style:
        document.add_heading("Whiplash after a car accident", 0)  # Word's Title style
    else:
        document.add_heading("Whiplash after a car accident", 1)
    document.add_paragraph("Whiplash is a neck injury caused by a sudden jolt of the head.")
    document.add_heading("Symptoms", 1)
    document.add_paragraph("Neck pain and stiffness", style="List Bullet")
    document.add_paragraph("Headaches at the base of the skull", style="List Bullet")
    document.add_heading("What helps", 2)
    document.add_paragraph("Staying gently active", style="List Number")
    document.add_paragraph("Exercises from a physiotherapist", style="List Number")
    closing = document.add_paragraph("Most people ")
    closing.add_run("recover").bold = True
    closing.add_run(" within a few weeks.")
    document.save(path)
    return path


@pytest.mark.parametrize("title_style", [True, False], ids=["Title style", "Heading 1 first"])
def test_word_document_headings_become_sections_and_lists_stay_lists(tmp_path, title_style):
    path = word_document(tmp_path / "whiplash.docx", title_style)

    article = load_article(path, tmp_path)

    assert article.source == "whiplash.docx"
    assert article.title == "Whiplash after a car accident"
    assert article.text.splitlines() == [
        "Whiplash is a neck injury caused by a sudden jolt of the head.",
        "",
        "## Symptoms",
        "- Neck pain and stiffness",
        "- Headaches at the base of the skull",
        "",
        "## What helps",
        "- Staying gently active",
        "- Exercises from a physiotherapist",
        "",
        "Most people recover within a few weeks.",
    ]


def test_a_folder_reports_documents_it_cannot_read(tmp_path):
    word_document(tmp_path / "whiplash.docx", True)
    write(tmp_path, "old-leaflet.doc", b"\xd0\xcf\x11\xe0 old Word")
    write(tmp_path, "photo.jpg", b"\xff\xd8\xff")
    found = sorted(f.name for f, _ in find_article_files(tmp_path))
    assert found == ["old-leaflet.doc", "whiplash.docx"]  # a photo is not a document
