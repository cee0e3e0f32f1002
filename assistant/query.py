"""Query handling: visitors' everyday words gain the terms the articles use.

"got rear ended and now my neck hurts" also searches for "car accident whiplash". The lexicon is
a data file (assistant/data/lay-terms.txt) that clinicians can extend; a file of the same name in
the data dir's texts folder replaces it.
"""

import re
from functools import lru_cache
from pathlib import Path

LEXICON_FILE = "lay-terms.txt"
PACKAGE_DATA = Path(__file__).parent / "data"


@lru_cache(maxsize=4)
def load_lexicon(override_dir: Path | None = None) -> tuple[tuple[re.Pattern, str], ...]:
    if override_dir is not None and (override_dir / LEXICON_FILE).is_file():
        text = (override_dir / LEXICON_FILE).read_text(encoding="utf-8")
    else:
        text = (PACKAGE_DATA / LEXICON_FILE).read_text(encoding="utf-8")
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        lay, clinical = (part.strip() for part in line.split("=", 1))
        if lay and clinical:
            entries.append((re.compile(rf"\b{re.escape(lay)}\b", re.IGNORECASE), clinical))
    return tuple(entries)


def expand_query(query: str, lexicon) -> str:
    extra = list(dict.fromkeys(clinical for pattern, clinical in lexicon if pattern.search(query)))
    return f"{query} {' '.join(extra)}" if extra else query
