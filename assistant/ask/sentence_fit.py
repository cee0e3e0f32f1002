"""Which of the candidate sentences answer the question: a logistic score over what the
answerer already knows of each sentence (its meaning's fit to the question, its section's kind
and heading, the question's rare words in it, where it stands), fitted on sentences that readers
who never saw the code labelled for real questions (`python -m assistant sentences --fit`).

No model call: every feature comes from the stored sentence and heading vectors, the question's
one vector and the words themselves.
"""

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AssistantError
from ..texts import data_file

FIT_FILE = "answer-fit.toml"
FEATURES = (
    "meaning",  # cosine of the sentence's stored vector with the question's
    "meaning_gap",  # ...less the best candidate's
    "score",  # the hand-set blend (meaning, passage, heading, kind, focus, worry, article rank)
    "score_gap",
    "kind",  # its section or words give the kind of answer asked for (below 0: another kind)
    "focus",  # it names what the question is about
    "worry",  # it speaks to the worry the question carries
    "first_article",
    "second_article",
    "section_start",  # the first sentence of its section
    "position",  # how far into its section (0 at the start, near 1 at the end)
    "leans_back",  # it leans on the sentence before ("These ...", "therefore")
    "words",  # its length, in tens of words
    "section_gap",  # its section's best meaning, less the best candidate's
    "meaning_rank",  # 1 for the closest candidate, 1/2 for the next ...
    "score_rank",
    "rare_words",  # the question's words in it, each weighted by its rarity among candidates
    "rare_heading",  # ...in its section heading
    "rare_either",
    "rarest_word",  # the question's rarest word is in it or its heading
)


@dataclass(frozen=True)
class Candidate:
    """What the fit reads of one candidate sentence (runs.Unit gives these)."""

    text_stems: frozenset[str]
    heading_stems: frozenset[str]
    meaning: float
    score: float
    kind: float
    focus: float
    worry: bool
    article_rank: int
    section: int  # which section of the candidates
    position: int  # in its section
    section_size: int
    leans_back: bool
    words: int


def features(candidates: list[Candidate], question_stems: frozenset[str]) -> np.ndarray:
    """One row of FEATURES per candidate; the gaps and ranks are relative to these candidates."""
    if not candidates:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    best_meaning = max(c.meaning for c in candidates)
    best_score = max(c.score for c in candidates)
    section_best: dict[int, float] = {}
    for c in candidates:
        section_best[c.section] = max(section_best.get(c.section, -1.0), c.meaning)
    meaning_rank = _ranks([c.meaning for c in candidates])
    score_rank = _ranks([c.score for c in candidates])
    rarity = _rarity(question_stems, candidates)
    total = sum(rarity.values()) or 1.0
    rarest = max(rarity, key=rarity.get) if rarity else None
    rows = []
    for n, c in enumerate(candidates):
        in_text = sum(w for s, w in rarity.items() if s in c.text_stems) / total
        in_heading = sum(w for s, w in rarity.items() if s in c.heading_stems) / total
        either = (
            sum(w for s, w in rarity.items() if s in c.text_stems or s in c.heading_stems) / total
        )
        rows.append(
            [
                c.meaning,
                c.meaning - best_meaning,
                c.score,
                c.score - best_score,
                c.kind,
                c.focus,
                float(c.worry),
                float(c.article_rank == 0),
                float(c.article_rank == 1),
                float(c.position == 0),
                c.position / max(1, c.section_size),
                float(c.leans_back),
                c.words / 10,
                section_best[c.section] - best_meaning,
                1.0 / (1 + meaning_rank[n]),
                1.0 / (1 + score_rank[n]),
                in_text,
                in_heading,
                either,
                float(rarest is not None and (rarest in c.text_stems or rarest in c.heading_stems)),
            ]
        )
    return np.asarray(rows, dtype=np.float32)


def _ranks(values: list[float]) -> list[int]:
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0] * len(values)
    for rank, i in enumerate(order):
        ranks[i] = rank
    return ranks


def _rarity(question_stems: frozenset[str], candidates: list[Candidate]) -> dict[str, float]:
    """Each question word's rarity among these candidates (inverse document frequency): a word
    most candidates share says little about which one answers."""
    n = len(candidates)
    rarity = {}
    for stem in sorted(question_stems):  # a set's order changes with each process's hash seed
        df = sum(1 for c in candidates if stem in c.text_stems or stem in c.heading_stems)
        rarity[stem] = math.log((n + 1) / (df + 0.5))
    return rarity


@dataclass(frozen=True)
class SentenceFit:
    weights: np.ndarray
    bias: float
    keep: float  # a sentence beyond the best is quoted only at this probability or above
    ratio: float  # ...and at this share of the best one's
    max_sentences: int
    max_words: int
    # A question whose answer is a list (what to bring, what to do at home, which signs) takes
    # more of the likely sentences: one tip of five is only part of an answer.
    list_kinds: frozenset[str] = frozenset()
    list_keep: float = 0.5
    list_ratio: float = 0.7

    def thresholds(self, kind: str | None) -> tuple[float, float]:
        """(keep, ratio) for a question of this main kind."""
        if kind in self.list_kinds:
            return self.list_keep, self.list_ratio
        return self.keep, self.ratio

    @classmethod
    def load(cls, override_dir: Path | None = None) -> "SentenceFit":
        path = data_file(FIT_FILE, override_dir)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            model, choose = data["model"], data["choose"]
            weights = np.array([float(model[name]) for name in FEATURES], dtype=np.float32)
            return cls(
                weights,
                float(model["bias"]),
                float(choose["keep"]),
                float(choose["ratio"]),
                int(choose["max_sentences"]),
                int(choose["max_words"]),
                frozenset(choose.get("list_kinds", [])),
                float(choose.get("list_keep", choose["keep"])),
                float(choose.get("list_ratio", choose["ratio"])),
            )
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as err:
            raise AssistantError(
                f"{path}: {err!r} missing or wrong; fix the file or delete the clinic's copy"
            ) from err

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias)))
