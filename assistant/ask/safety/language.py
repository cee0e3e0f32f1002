"""Is a message written in another language than English? (DESIGN.md: decline with `language`.)

py3langid (its model ships in the wheel) over the languages a clinic's visitors are likely to
write in; a short or mixed message stays English unless the identifier is sure, since a wrong
`language` decline would leave an English speaker without an answer.
"""

import re
import unicodedata
from functools import cache

LANGUAGES = [
    "en", "es", "fr", "de", "it", "pt", "nl", "pl", "ro", "ru", "uk", "tr", "ar", "zh", "ja",
    "ko", "hi", "vi", "tl", "sv", "da", "no", "fi", "cs", "hu", "el", "he", "fa", "id",
]  # fmt: skip
MIN_CONFIDENCE = 0.95
MIN_WORDS = 3


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(LANGUAGES)
    return identifier


def non_latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "LATIN" not in unicodedata.name(c, "")) / len(letters)


def is_foreign(text: str) -> bool:
    if non_latin_share(text) > 0.5:
        return True
    if len(re.findall(r"[^\W\d_]+", text)) < MIN_WORDS:
        return False
    language, confidence = _identifier().classify(text)
    return language != "en" and confidence >= MIN_CONFIDENCE
