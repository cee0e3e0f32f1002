"""Fixed texts (disclaimers, refusals, emergency advice, prompts) as editable templates.

The package ships defaults in assistant/texts/; a file of the same name in the data dir's texts
folder replaces it, so the clinic changes the wording without touching code.
"""

from pathlib import Path

from .settings import Settings

PACKAGE_TEXTS = Path(__file__).parent / "texts"
PACKAGE_DATA = Path(__file__).parent / "data"


def read_text(name: str, texts_dir: Path | None = None) -> str:
    """The raw template `name` (e.g. "disclaimer.md"): the clinic's copy if it has one."""
    if texts_dir is not None and (texts_dir / name).is_file():
        return (texts_dir / name).read_text(encoding="utf-8").strip()
    return (PACKAGE_TEXTS / name).read_text(encoding="utf-8").strip()


def render(name: str, settings: Settings) -> str:
    """The template filled from settings: {clinic_name}, {booking_url}, {emergency_number},
    {retention_days}."""
    return read_text(name, settings.texts_dir).format(
        clinic_name=settings.clinic_name,
        booking_url=settings.booking_url,
        emergency_number=settings.emergency_number,
        retention_days=settings.retention_days,
    )


def disclaimer_for(kind: str, settings: Settings) -> str:
    """The disclaimer a reply of this kind carries; emergencies get no booking offer."""
    return render("disclaimer-emergency.md" if kind == "emergency" else "disclaimer.md", settings)


def data_file(name: str, texts_dir: Path | None = None) -> Path:
    """A clinician-editable data file: the clinic's copy in texts_dir, else assistant/data/'s."""
    if texts_dir is not None and (Path(texts_dir) / name).is_file():
        return Path(texts_dir) / name
    return PACKAGE_DATA / name


def read_examples(name: str, texts_dir: Path | None = None) -> list[str]:
    """The lines of a clinician-editable example list in assistant/data/ (the clinic's copy in
    texts_dir if it has one), without comments, blank lines and [section] lines."""
    raw = data_file(name, texts_dir).read_text(encoding="utf-8")
    lines = []
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not (line.startswith("[") and line.endswith("]")):
            lines.append(line)
    return lines
