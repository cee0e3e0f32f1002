"""Does a cited passage support a generated sentence? Hard rules first, then a learned score.

A sentence is unsupported when it breaks a hard rule against its passage:
- number: it states a number, or a unit of time, the passage does not;
- negation: it negates what the passage states, or states what the passage negates;
- opposite: it uses a word whose opposite the passage uses instead ("more" for "less");
- named: it names a treatment, medicine, test, condition, body part or profession the passage
  does not (grounding-named.txt), or a rare word that is not in the passage at all;
- certainty: it makes certain what the passage hedges ("will stop" for "may help").
Otherwise its support is a logistic score over its cosine with the closest passage sentence
(or pair of neighbours, for a sentence that merges two), the share of its content words the
passage holds, and that share for its weakest clause (an invented clause joined to a true
one). The weights and threshold are fitted on labelled sentences written from our articles
(`python -m assistant grounding --fit`) and ship in assistant/data/grounding.toml. The word
lists are data in assistant/data/ that clinicians can extend (a copy in data/texts/ wins).
"""

import math
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np

from ..embed import Embedder
from ..texts import PACKAGE_DATA, read_examples
from ..types import sentences_of

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
NEGATIONS = frozenset(
    ["not", "no", "never", "none", "nothing", "neither", "nor", "cannot", "without"]
)
# "one" is left out: as a pronoun ("repeat one") it is no number.
NUMBER_WORDS = dict(
    zip(
        [
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "twenty",
            "thirty",
            "forty",
            "fifty",
            "sixty",
            "hundred",
            "half",
            "quarter",
        ],
        [
            "2",
            "3",
            "4",
            "5",
            "6",
            "7",
            "8",
            "9",
            "10",
            "11",
            "12",
            "20",
            "30",
            "40",
            "50",
            "60",
            "100",
            "50",
            "25",
        ],
        strict=True,
    )
)
TIME_UNITS = frozenset(["second", "minute", "hour", "day", "week", "month", "year", "decade"])
NEGATED_SPAN = 2  # a negation reaches this many content words ahead, within its clause
CLAUSE = re.compile(r"[,;:]|\b(?:and|but|because|so|although|while|which|whereas)\b")
MIN_CLAUSE_WORDS = 3
RARE_COUNT = 50_000  # a word rarer than this in English (symspellpy's counts) names a thing


@dataclass(frozen=True)
class Support:
    supported: bool
    score: float  # the learned score in 0..1 (0 when a hard rule decided)
    reason: str  # "supported", "weak support", or the rule broken ("number 6", "negation")


@dataclass(frozen=True)
class GroundingModel:
    """score = sigmoid(bias + w_similarity * cosine + w_overlap * share + w_clause * weakest)."""

    bias: float
    w_similarity: float
    w_overlap: float
    w_clause: float
    threshold: float

    @classmethod
    def shipped(cls) -> "GroundingModel":
        data = tomllib.loads((PACKAGE_DATA / "grounding.toml").read_text(encoding="utf-8"))
        return cls(**data["model"])

    def score(self, similarity: float, overlap: float, clause: float) -> float:
        z = (
            self.bias
            + self.w_similarity * similarity
            + self.w_overlap * overlap
            + self.w_clause * clause
        )
        return 1 / (1 + math.exp(-z))


@dataclass(frozen=True)
class Measure:
    """What the rules and the score read from one sentence against one passage."""

    rule: str | None
    similarity: float
    overlap: float
    clause: float


@cache
def _stem():
    import Stemmer

    return Stemmer.Stemmer("english").stemWord


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS) - NEGATIONS


@cache
def _english_counts() -> dict[str, int]:
    """Word counts of symspellpy's English dictionary (already installed for the guard)."""
    text = (files("symspellpy") / "frequency_dictionary_en_82_765.txt").read_text()
    counts = {}
    for line in text.splitlines():
        word, _, count = line.partition(" ")
        counts[word] = int(count)
    return counts


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("’", "'").replace("n't", " not"))


def numbers_of(text: str) -> set[str]:
    found = {n.replace(",", "") for n in NUMBER.findall(text)}
    return found | {NUMBER_WORDS[w] for w in words(text) if w in NUMBER_WORDS}


def time_units(text: str) -> set[str]:
    return {w.rstrip("s") for w in words(text) if w.rstrip("s") in TIME_UNITS}


def negated_stems(text: str) -> tuple[set[str], set[str]]:
    """The content words under a negation (the next NEGATED_SPAN of its clause), and those
    stated plainly, as stems."""
    stem, stop = _stem(), _stopwords()
    negated, plain = set(), set()
    for clause in CLAUSE.split(text):
        reach = 0
        for w in words(clause):
            if w in NEGATIONS:
                reach = NEGATED_SPAN
            elif w not in stop:
                (negated if reach > 0 else plain).add(stem(w))
                reach -= 1
    return negated, plain


class Grounding:
    """Checks one generated sentence (its markers removed) against one cited passage text."""

    def __init__(
        self,
        embeddings: Embedder,
        model: GroundingModel | None = None,
        texts_dir: Path | None = None,
    ):
        self.embeddings = embeddings
        self.model = model or GroundingModel.shipped()
        self.named_things = word_list("grounding-named.txt", texts_dir)
        self.certainty = word_list("grounding-certainty.txt", texts_dir)
        self.firm = word_list("grounding-firm.txt", texts_dir)
        self.hedges = frozenset(read_examples("grounding-hedges.txt", texts_dir))
        self.opposites = opposites("grounding-opposites.txt", texts_dir)
        self.same_as = lay_terms(texts_dir)

    def check(self, sentence: str, passage: str) -> Support:
        """Embeds what it needs: for sets and tests (the answerer has the vectors)."""
        passage_sentences = sentences_of(passage) or [passage]
        vectors = self.embeddings.encode([sentence, *passage_sentences])
        return self.check_vector(sentence, vectors[0], passage, passage_sentences, vectors[1:])

    def check_vector(
        self, sentence: str, vector, passage: str, passage_sentences: list[str], passage_vectors
    ) -> Support:
        """The sentence (markers removed) and its vector against a passage, its sentences and
        their vectors."""
        if not passage_sentences:
            return Support(False, 0.0, "empty passage")
        m = self.measure(sentence, vector, passage, passage_sentences, passage_vectors)
        if m.rule:
            return Support(False, 0.0, m.rule)
        score = self.model.score(m.similarity, m.overlap, m.clause)
        supported = score >= self.model.threshold
        return Support(supported, score, "supported" if supported else "weak support")

    def measure(self, sentence, vector, passage, passage_sentences, passage_vectors) -> Measure:
        similarity, closest = self._closest(
            np.asarray(vector, dtype=np.float32),
            np.asarray(passage_vectors, dtype=np.float32),
            passage_sentences,
        )
        known = self._passage_stems(passage)
        overlaps = [
            self._overlap(clause, known)
            for clause in CLAUSE.split(sentence)
            if len(self._content(clause)) >= MIN_CLAUSE_WORDS
        ]
        return Measure(
            rule=self.rule_broken(sentence, passage, closest, known),
            similarity=similarity,
            overlap=self._overlap(sentence, known),
            clause=min(overlaps, default=self._overlap(sentence, known)),
        )

    def rule_broken(self, sentence: str, passage: str, closest: str, known: set[str]) -> str | None:
        """What a hard rule finds wrong with the sentence, or None."""
        missing = numbers_of(sentence) - numbers_of(passage)
        if missing:
            return f"number {sorted(missing)[0]}"
        units = time_units(sentence) - time_units(passage)
        if units:
            return f"duration {sorted(units)[0]}"
        # A negation flip: a word the passage only states plainly, negated in the sentence, or
        # one the passage only negates, stated plainly.
        said_not, said = negated_stems(sentence)
        passage_not, passage_said = negated_stems(passage)
        if said_not & (passage_said - passage_not) or said & (passage_not - passage_said):
            return "negation"
        stem, counts = _stem(), _english_counts()
        closest_words = words(closest)
        closest_stems = {stem(w) for w in closest_words}
        hedged = bool(set(closest_words) & self.hedges)
        for w in words(sentence):
            s = stem(w)
            if s in known:
                continue
            if closest_stems & self.opposites.get(s, set()):
                return f"opposite: {w}"
            if w in self.named_things or s in self.named_things:
                return f"named: {w}"
            if w in self.certainty or s in self.certainty or (hedged and w in self.firm):
                return f"certainty: {w}"
            if w.isalpha() and len(w) > 3 and counts.get(w, 0) < RARE_COUNT:
                return f"named: {w}"
        return None

    def _passage_stems(self, passage: str) -> set[str]:
        """The passage's word stems, with the lay words for its terms ("tmj" for
        "temporomandibular") from the search lexicon."""
        stem = _stem()
        tokens = words(passage)
        # "re-learn" is "relearn"
        joined = {a + b for a, b in zip(tokens, tokens[1:], strict=False)}
        known = {stem(w) for w in tokens} | {stem(w) for w in joined}
        for group in self.same_as:
            if group & known:
                known |= group
        return known

    def _content(self, text: str) -> set[str]:
        stem, stop = _stem(), _stopwords()
        return {stem(w) for w in words(text) if w not in stop and not w.isdigit()}

    def _overlap(self, text: str, known: set[str]) -> float:
        content = self._content(text)
        return len(content & known) / len(content) if content else 1.0

    @staticmethod
    def _closest(vector, passage_vectors, passage_sentences) -> tuple[float, str]:
        """The passage sentence, or pair of neighbours, closest to the sentence."""
        sims = passage_vectors @ vector
        best = int(np.argmax(sims))
        similarity, closest = float(sims[best]), passage_sentences[best]
        for i in range(len(passage_sentences) - 1):
            pair = passage_vectors[i] + passage_vectors[i + 1]
            sim = float(pair @ vector / (np.linalg.norm(pair) or 1.0))
            if sim > similarity:
                similarity = sim
                closest = passage_sentences[i] + " " + passage_sentences[i + 1]
        return similarity, closest


def word_list(name: str, texts_dir: Path | None) -> frozenset[str]:
    """A clinician-editable word list (the clinic's copy if it has one), words and their stems."""
    stem = _stem()
    terms = [t.lower() for t in read_examples(name, texts_dir)]
    return frozenset(terms) | frozenset(stem(t) for t in terms)


def opposites(name: str, texts_dir: Path | None) -> dict[str, set[str]]:
    """ "more = less fewer" lines: each word's stem -> the stems of its opposites, both ways."""
    stem = _stem()
    pairs: dict[str, set[str]] = {}
    for line in read_examples(name, texts_dir):
        left, _, right = line.partition("=")
        for a in left.split():
            for b in right.split():
                pairs.setdefault(stem(a.lower()), set()).add(stem(b.lower()))
                pairs.setdefault(stem(b.lower()), set()).add(stem(a.lower()))
    return pairs


def lay_terms(texts_dir: Path | None) -> list[set[str]]:
    """The search lexicon's lines (lay words = clinical terms), each as one set of stems that
    name the same thing."""
    stem = _stem()
    return [
        {stem(w) for w in words(line.replace("=", " "))}
        for line in read_examples("lay-terms.txt", texts_dir)
    ]
