"""Query handling: visitors' everyday words gain the terms the articles use.

"got rear ended and now my neck hurts" also searches for "car accident whiplash". The lexicon is
a data file (assistant/data/lay-terms.txt) that clinicians can extend; a file of the same name in
the data dir's texts folder replaces it.
"""

import re
from functools import lru_cache
from pathlib import Path

from ..texts import read_examples

LEXICON_FILE = "lay-terms.txt"


@lru_cache(maxsize=4)
def load_lexicon(override_dir: Path | None = None) -> tuple[tuple[re.Pattern, str], ...]:
    entries = []
    for line in read_examples(LEXICON_FILE, override_dir):
        lay, _, clinical = (part.strip() for part in line.partition("="))
        if lay and clinical:
            entries.append((re.compile(rf"\b{re.escape(lay)}\b", re.IGNORECASE), clinical))
    return tuple(entries)


def expand_query(query: str, lexicon) -> str:
    extra = list(dict.fromkeys(clinical for pattern, clinical in lexicon if pattern.search(query)))
    return f"{query} {' '.join(extra)}" if extra else query
