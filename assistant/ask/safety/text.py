"""Message text as the triage reads it: normalised, cut into sentences and clauses, typos fixed."""

import re
import unicodedata
from functools import cache, lru_cache

SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|(?<=[.!?])(?=[a-z])|;")
CLAUSE_SPLIT = re.compile(
    r",|\bbut\b|\bhowever\b|\balthough\b|\bthough\b|\bwhereas\b|\band\s+(?=(?:i|my|he|she|"
    r"it|his|her|now|then|also|still|the|there)\b)|\s-\s|\(|\)"
)
MAX_EDIT_DISTANCE = 2  # a misspelling is at most this many edits from the word meant


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return text.lower()


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_SPLIT.split(text) if s and s.strip()]


def clauses(sentence: str) -> list[str]:
    return [c.strip() for c in CLAUSE_SPLIT.split(sentence) if c and c.strip()]


class Speller:
    """Corrects a misspelt word to the closest word the red-flag concepts rely on ("wrost
    hedache suddnly" reads "worst headache suddenly"). A word that is English (symspellpy's
    82k-word frequency dictionary) or in the model's vocabulary is left alone, so "slurry" never
    becomes "blurry"."""

    def __init__(self, keywords: list[str], vocabulary: set[str] | None):
        from symspellpy import SymSpell

        self.enabled = bool(vocabulary)
        self.keywords = SymSpell(max_dictionary_edit_distance=MAX_EDIT_DISTANCE)
        for word in keywords:
            self.keywords.create_dictionary_entry(word, 1)
        self.vocabulary = set(keywords) | (vocabulary or set())
        self.known = self.vocabulary | english_words()  # never "corrected"
        self.correct = lru_cache(maxsize=8192)(self._correct)

    def _correct(self, word: str) -> str:
        from symspellpy import Verbosity

        found = self.keywords.lookup(word, Verbosity.TOP, max_edit_distance=MAX_EDIT_DISTANCE)
        return found[0].term if found else word

    def is_known(self, word: str) -> bool:
        """In the model's vocabulary, or a misspelling of a red-flag word (for gibberish)."""
        return word in self.vocabulary or self.correct(word) != word

    def fix(self, text: str) -> str:
        if not self.enabled:
            return text

        def fix_word(m: re.Match) -> str:
            word = m.group(0)
            if len(word) < 5 or word in self.known:
                return word
            return self.correct(word)

        return re.sub(r"[a-z]+", fix_word, text)


@cache
def english_words() -> frozenset[str]:
    from importlib.resources import files

    dictionary = files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    return frozenset(line.split(" ", 1)[0] for line in dictionary.read_text().splitlines())
