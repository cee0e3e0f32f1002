"""What a question asks for: its kinds of answer, its worries, its focus and, for a comparison,
its two sides. All cue words are data (assistant/data/answer-kinds.toml); this module reads them.

"What causes X?" wants causes, "how long" wants recovery, "A or B?" wants both sides; a sentence
answers a kind by its section heading or, where the article has no tidy headings, its own words.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import AssistantError
from ..texts import data_file

KINDS_FILE = "answer-kinds.toml"
TEXTS_KEPT = 50_000
WORD = re.compile(r"[a-z][a-z'-]+")
# Words that carry no focus: the question's frame, not its subject.
FRAME_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "from",
        "by",
        "about",
        "into",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "have",
        "has",
        "had",
        "can",
        "could",
        "should",
        "would",
        "will",
        "may",
        "might",
        "must",
        "shall",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "whether",
        "than",
        "then",
        "so",
        "too",
        "very",
        "just",
        "really",
        "also",
        "any",
        "some",
        "more",
        "most",
        "much",
        "many",
        "lot",
        "lots",
        "get",
        "gets",
        "got",
        "getting",
        "go",
        "goes",
        "going",
        "make",
        "makes",
        "take",
        "takes",
        "thing",
        "things",
        "something",
        "anything",
        "way",
        "ways",
        "kind",
        "type",
        "sort",
        "best",
        "better",
        "good",
        "bad",
        "normal",
        "know",
        "tell",
        "think",
        "mean",
        "need",
        "want",
        "like",
        "feel",
        "help",
        "helps",
        "okay",
        "ok",
        "please",
        "thanks",
        "hi",
        "hello",
        "im",
        "ive",
        "id",
        "dont",
        "doesnt",
        "cant",
        "wont",
        "isnt",
        "arent",
        "not",
        "no",
        "yes",
        "one",
        "two",
        "day",
        "days",
        "week",
        "weeks",
        "people",
        "person",
        # a comparison's frame: "how do you tell A apart from B, what's the difference"
        "come",
        "comes",
        "coming",
        "whats",
        "difference",
        "different",
        "apart",
    ]
)


@dataclass(frozen=True)
class KindCues:
    question: tuple[re.Pattern, ...]
    heading: tuple[re.Pattern, ...]
    sentence: tuple[re.Pattern, ...]


@dataclass(frozen=True)
class Asked:
    kinds: tuple[str, ...]  # the main kind first; empty when no cue matched
    worries: tuple[str, ...]  # names of the worries the question carries ("stroke", "worse")
    focus: frozenset[str]  # stems of the question's subject words
    sides: tuple[str, str] | None = None  # a comparison's two sides, as typed

    @property
    def main(self) -> str | None:
        return self.kinds[0] if self.kinds else None


class AnswerKinds:
    def __init__(self, order: list[str], kinds: dict[str, KindCues], worries: dict[str, KindCues]):
        self.order = order
        self.kinds = kinds
        self.worries = worries
        self._stem = _stemmer()
        # An article's sentences and headings are read for every question they are candidates
        # for: each reading is kept by its text (the regular expressions cost the most).
        for name in ("stems", "heading_kinds", "sentence_kinds", "sentence_worries"):
            setattr(self, name, lru_cache(maxsize=TEXTS_KEPT)(getattr(self, name)))

    @classmethod
    def load(cls, override_dir: Path | None = None) -> "AnswerKinds":
        return _load(data_file(KINDS_FILE, override_dir))

    def classify(self, question: str) -> Asked:
        text = " ".join(question.lower().split())
        kinds = tuple(k for k in self.order if _any(self.kinds[k].question, text))
        worries = tuple(w for w, cues in self.worries.items() if _any(cues.question, text))
        sides = comparison_sides(text) if "comparison" in kinds else None
        if "comparison" in kinds and sides is None:
            kinds = tuple(k for k in kinds if k != "comparison")
        return Asked(kinds=kinds, worries=worries, focus=self.focus_of(text), sides=sides)

    def main_kind(self, question: str) -> str | None:
        """classify(question).main, reading only up to the first kind that matches (the answer
        asks this of every question; the full reading costs about twice as much)."""
        text = " ".join(question.lower().split())
        for kind in self.order:
            if _any(self.kinds[kind].question, text) and (
                kind != "comparison" or comparison_sides(text) is not None
            ):
                return kind
        return None

    def focus_of(self, text: str) -> frozenset[str]:
        words = [w.strip("'-") for w in WORD.findall(text.lower())]
        return frozenset(self._stem(w) for w in words if len(w) > 2 and w not in FRAME_WORDS)

    def stems(self, text: str) -> frozenset[str]:
        return frozenset(self._stem(w.strip("'-")) for w in WORD.findall(text.lower()))

    def heading_kinds(self, heading: str) -> frozenset[str]:
        return frozenset(k for k, cues in self.kinds.items() if _any(cues.heading, heading.lower()))

    def sentence_kinds(self, sentence: str) -> frozenset[str]:
        text = sentence.lower()
        return frozenset(k for k, cues in self.kinds.items() if _any(cues.sentence, text))

    def lists_signs(self, sentence: str) -> bool:
        """A sentence that lists warning signs ("... if you have severe neck pain, weakness,
        numbness or confusion"), not one that only says some exist."""
        return "when_to_worry" in self.sentence_kinds(sentence) and sentence.count(",") >= 2

    def sentence_worries(self, sentence: str) -> frozenset[str]:
        text = sentence.lower()
        return frozenset(w for w, cues in self.worries.items() if _any(cues.sentence, text))


# "difference between A and B", "A vs B", "is A better than B", "A or B", "A different from B"
_COMPARING = re.compile(r"\b(?:or|vs|versus|than|between|differ\w*|same|compared)\b")
_BETWEEN = re.compile(r"\bbetween\s+(.+?)\s+and\s+(.+)")
_VERSUS = re.compile(
    r"(.+?)\s+(?:vs\.?|versus|compared\s+(?:to|with)|better\s+than|worse\s+than)\s+(.+)"
)
_DIFFERENT = re.compile(
    r"(.+?)\s+(?:differ\w*|the\s+same(?:\s+thing)?)\s+(?:from|to|than|as)\s+(.+)"
)
_OR = re.compile(r"(.+?)\s+or\s+(?:an?\s+|the\s+)?(.+)")
_LEADING = re.compile(
    r"^.*?\b(?:is|are|should|do|does|would|can|could|which|whats?|what's|what\s+is|how\s+is|"
    r"how\s+are|get|try|use|see|need|it|better|difference)\s+(?:i\s+|it\s+|a\s+|an\s+|the\s+|my\s+)*"
)
_TRAILING = re.compile(
    r"\b(?:better|best|first|for\s+(?:me|my|this|it|neck|a|the)\b.*|help\w*\b.*|\?.*)$"
)


def comparison_sides(text: str) -> tuple[str, str] | None:
    """The two things a comparison question weighs, or None when it names fewer than two."""
    clause = re.split(r"[?.!]\s", text.strip())
    clause = next((c for c in clause if _COMPARING.search(c)), "")
    for pattern in (_BETWEEN, _VERSUS, _DIFFERENT, _OR):
        match = pattern.search(clause)
        if match:
            left, right = match.group(1), match.group(2)
            left = _side(_LEADING.sub("", left).split(",")[-1])
            right = _side(_TRAILING.sub("", right).split(",")[0])
            if left and right and left != right:
                return left, right
    return None


def _side(text: str) -> str:
    words = [w for w in WORD.findall(text) if w not in FRAME_WORDS]
    return " ".join(words[-4:])


def _any(patterns: tuple[re.Pattern, ...], text: str) -> bool:
    return any(p.search(text) for p in patterns)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    stem = Stemmer.Stemmer("english").stemWord
    return lru_cache(maxsize=50_000)(stem)


@lru_cache(maxsize=4)
def _load(path: Path) -> AnswerKinds:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        order = list(data["order"])

        def cues(table: dict) -> KindCues:
            return KindCues(
                *(
                    tuple(re.compile(p, re.IGNORECASE) for p in table.get(part, []))
                    for part in ("question", "heading", "sentence")
                )
            )

        kinds = {name: cues(table) for name, table in data["kinds"].items()}
        worries = {name: cues(table) for name, table in data.get("worries", {}).items()}
    except (tomllib.TOMLDecodeError, KeyError, TypeError, re.error) as err:
        raise AssistantError(f"{path}: {err}; fix the file or delete the clinic's copy") from err
    unknown = [k for k in order if k not in kinds]
    if unknown:
        raise AssistantError(f"{path}: `order` names kinds with no table: {', '.join(unknown)}")
    return AnswerKinds(order, kinds, worries)
