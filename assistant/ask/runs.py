"""An extractive answer as a short reading: runs of consecutive article sentences (opt-in,
ASSISTANT_ANSWER_STYLE=runs; the default quotes the best sentences: extractive.py).

The answer is one or two runs of consecutive sentences, each from one section, in reading order:
a passage reads as text only when its sentences follow each other. Sentences are scored by
meaning (their stored vectors against the question's), by the kind of answer wanted (kinds.py:
causes under "What causes ...", recovery under "How long ..."), and by the question's focus
words. A sentence that leans on the one before ("These ...", "Therefore ...") comes with it or
not at all. A comparison gets a run for each side, the worry in an anxious question is answered
first, and below a relevance floor the answer is shorter rather than padded.

With a fitted score (sentence_fit.py: the `focused` style) the same candidates are chosen by
the probability that each belongs in the answer instead (choose_fitted).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

from ..types import Chunk, Passage, sentence_id, sentences_of
from .answer import Draft, leans_back
from .cite import make_citations
from .kinds import AnswerKinds, Asked
from .lexicon import expand_query
from .sentence_fit import Candidate, SentenceFit, features
from .vectors import IndexVectors

MIN_SENTENCE_CHARS = 25
CONTRAST_WITHIN = 6  # a comparison quotes a comparing sentence if it is among the likeliest six
MAX_ARTICLES = 2  # sections come from the best two articles (a comparison may add its sides)
MAX_WORDS = 100  # the most an answer quotes: three to five sentences of the articles' length
MAX_RUNS = 2  # more than two places read as stitched quotes
# Scores are compared by their distance below the best sentence's.
RUN_GAP = 0.4  # another sentence of the section joins when within this of the best
LATER_GAP = 0.2  # ...and, for a third sentence on, within this
BACK_GAP = 0.15  # a sentence before the run's start must be nearly the best: answers lead
SECOND_RUN_GAP = 0.15  # a second place is quoted only when this close to the first
WARNING_GAP = 0.4  # the warning signs lead a question about them when within this of the best
WARNING_WORRIES = {"danger", "stroke", "paralysis", "tumour"}  # worries the warning signs answer
ALL_SECTIONS = True  # every section of the chosen articles, not only the retrieved ones
WORRY_GAP = 0.25  # the worry's answer leads when within this of the best
REDUNDANT = 0.85  # cosine above which a sentence says again what a chosen one says
HEADING_WEIGHT = 0.3  # the section heading's fit to the question
KIND_WEIGHT = 0.06  # the section or sentence gives the kind of answer asked for
MISMATCH = 0.25  # the kind fit of a section that answers only another kind, below 0
FOCUS_WEIGHT = 0.12  # the sentence names what the question is about
WORRY_WEIGHT = 0.08
ARTICLE_PENALTY = 0.03  # per rank of the article among those retrieved
TEXT_HEADING = re.compile(r"^[A-Z][^.!?]{2,80}$")  # a plain-text article's own heading line


@lru_cache(maxsize=50_000)
def _half_of(stems: frozenset[str], words: frozenset[str]) -> bool:
    """Whether the words hold at least half of the stems (at least one)."""
    return bool(stems) and len(stems & words) >= max(1, (len(stems) + 1) // 2)


class Library(Protocol):
    """The live articles, beyond the passages retrieved (the Retriever is one)."""

    def chunks_of(self, source: str) -> list[Chunk]: ...

    def chunk_similarities(self, chunks: list[Chunk], query_vector) -> np.ndarray: ...

    def lexical_sources(self, text: str, k: int) -> list[str]: ...

    def url_of(self, source: str) -> str | None: ...


@dataclass
class Unit:
    """One sentence of a section, where it stands in it, and what it says about the question."""

    chunk: Chunk
    index: int  # in sentences_of(chunk.text): the index's sentence vector
    text: str
    heading: str  # the section heading, or a plain-text article's heading line above it
    eligible: bool  # long enough, safe, and a sentence (not a heading or a list's lead-in)
    score: float = 0.0
    vector: np.ndarray | None = None
    # the parts of the score the fitted choice reads (sentence_fit.py)
    meaning: float = 0.0
    kind: float = 0.0
    focus: float = 0.0
    worry: bool = False
    article_rank: int = 0

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def dependent(self) -> bool:
        return leans_back(self.text)


class RunAnswerer:
    """Quotes the run of article sentences that best answers the question."""

    def __init__(
        self,
        vectors: IndexVectors,
        max_sentences: int = 5,
        keep_sentence: Callable[[str], bool] = lambda s: True,
        *,
        library: Library | None = None,
        kinds: AnswerKinds | None = None,
        fit: SentenceFit | None = None,
    ):
        self.vectors = vectors  # sentence and heading vectors, from the index
        self.fit = fit  # the fitted choice of sentences (the `focused` style), else runs
        self.library = library
        self.kinds = kinds or AnswerKinds.load()
        self.max_sentences = max_sentences
        self.keep_sentence = keep_sentence

    def answer(self, question: str, query_vector, passages: list[Passage]) -> Draft | None:
        prepared = self.prepare(question, query_vector, passages)
        if prepared is None:
            return None
        asked, sections = prepared
        runs = self.choose_runs(sections, asked)
        if not runs:
            return None
        return self.draft(runs, passages)

    def prepare(self, question: str, query_vector, passages: list[Passage]):
        """(what is asked, the candidate sections with every sentence scored), or None when
        no sentence can be quoted."""
        if not passages:
            return None
        query_vector = np.asarray(query_vector, dtype=np.float32)
        asked = self.kinds.classify(question)
        articles = list(dict.fromkeys(p.chunk.source for p in passages))
        sections = self.sections(passages, articles[:MAX_ARTICLES])
        if asked.sides:
            sections += self.side_sections(asked, sections, articles)
        units = [u for section in sections for u in section]
        if not any(u.eligible for u in units):
            return None
        self.score(units, sections, asked, query_vector, articles)
        return asked, sections

    # -- the candidate text: whole sections of the retrieved passages, in reading order --------

    def sections(self, passages: list[Passage], articles: list[str]) -> list[list[Unit]]:
        touched = {(p.chunk.source, p.chunk.section) for p in passages}
        chunks_by_article = {a: self._article_chunks(a, passages) for a in articles}
        out = []
        for article in articles:
            for section in dict.fromkeys(c.section for c in chunks_by_article[article]):
                if ALL_SECTIONS or (article, section) in touched:
                    chunks = [c for c in chunks_by_article[article] if c.section == section]
                    out.append(self._units(chunks))
        return [s for s in out if s]

    def side_sections(self, asked: Asked, sections, articles: list[str]) -> list[list[Unit]]:
        """A comparison side no chosen section mentions: the best section of the article that
        names it (by BM25, no model call)."""
        if self.library is None:
            return []
        have = {(u.chunk.source, u.chunk.section) for s in sections for u in s}
        extra = []
        for side, stems in zip(asked.sides or (), self._side_stems(asked), strict=True):
            if any(self._mentions(u, stems) for s in sections for u in s):
                continue
            for source in self.library.lexical_sources(side, 3):
                chunks = [c for c in self.library.chunks_of(source) if self._names(c, stems)]
                named = dict.fromkeys(c.section for c in chunks)
                new = [n for n in named if (source, n) not in have]
                for section in new:
                    extra.append(
                        self._units(
                            [c for c in self.library.chunks_of(source) if c.section == section]
                        )
                    )
                    have.add((source, section))
                if new:
                    break
        return [s for s in extra if s]

    def _article_chunks(self, article: str, passages: list[Passage]) -> list[Chunk]:
        if self.library is not None:
            chunks = self.library.chunks_of(article)
            if chunks:
                return chunks
        return sorted(
            {p.chunk for p in passages if p.chunk.source == article}, key=lambda c: c.position
        )

    def _units(self, chunks: list[Chunk]) -> list[Unit]:
        """A section's sentences once each (consecutive chunks overlap), in reading order."""
        units: list[Unit] = []
        seen: set[str] = set()
        heading = chunks[0].section if chunks else ""
        for chunk in chunks:
            for i, sentence in enumerate(sentences_of(chunk.text)):
                key = " ".join(sentence.lower().split())
                if key in seen or any(u.text.lower().endswith(key) for u in units[-3:]):
                    continue
                seen.add(key)
                if (
                    not chunk.section
                    and TEXT_HEADING.match(sentence)
                    and len(sentence.split()) <= 12
                ):
                    heading = sentence  # a plain-text article's heading line: not quoted
                    continue
                eligible = (
                    len(sentence) >= MIN_SENTENCE_CHARS
                    and sentence[-1] in '.!…"”)'  # a question in an article is rhetorical
                    and self.keep_sentence(sentence)
                )
                units.append(Unit(chunk, i, sentence, heading, eligible))
        return units

    # -- scores -----------------------------------------------------------------------------

    def score(self, units: list[Unit], sections, asked: Asked, query_vector, articles) -> None:
        wanted: dict[Chunk, dict[int, str]] = {}
        for u in units:
            wanted.setdefault(u.chunk, {})[u.index] = u.text
        found = self.vectors.sentences(wanted)
        for u in units:
            u.vector = found[sentence_id(u.chunk.id, u.index)]
        chunks = list(dict.fromkeys(u.chunk for u in units))
        if self.library is not None:
            chunk_fit = dict(
                zip(chunks, self.library.chunk_similarities(chunks, query_vector), strict=True)
            )
        else:
            chunk_fit = {c: 0.0 for c in chunks}
        headings = list(dict.fromkeys(u.chunk.section for u in units if u.chunk.section))
        heading_vectors = self.vectors.headings(headings) if headings else {}
        rank = {a: i for i, a in enumerate(articles)}
        for u in units:
            u.meaning = float(u.vector @ query_vector)
            heading_fit = (
                float(heading_vectors[u.chunk.section] @ query_vector) if u.chunk.section else 0.0
            )
            u.kind = self.kind_fit(u, asked)
            u.focus = self.focus_fit(u, asked)
            u.worry = bool(
                asked.worries and self.kinds.sentence_worries(u.text) & set(asked.worries)
            )
            u.article_rank = rank.get(u.chunk.source, len(articles))
            u.score = (
                0.7 * u.meaning
                + 0.3 * float(chunk_fit[u.chunk])
                + HEADING_WEIGHT * heading_fit
                + KIND_WEIGHT * u.kind
                + FOCUS_WEIGHT * u.focus
                + WORRY_WEIGHT * u.worry
                - ARTICLE_PENALTY * u.article_rank
            )

    def kind_fit(self, unit: Unit, asked: Asked) -> float:
        """1 when the section answers the main kind asked, less for a sentence that does by its
        own words or a secondary kind, below 0 when the section answers another kind only."""
        if not asked.kinds:
            return 0.0
        by_heading = self.kinds.heading_kinds(unit.heading) if unit.heading else frozenset()
        by_words = self.kinds.sentence_kinds(unit.text)
        if asked.main in by_heading:
            return 1.0
        fit = 0.0
        if asked.main in by_words:
            fit = 0.5
        if by_heading & set(asked.kinds[1:]):
            fit = max(fit, 0.5)
        elif by_words & set(asked.kinds[1:]):
            fit = max(fit, 0.25)
        if by_heading and not by_heading & set(asked.kinds) and fit == 0.0:
            return -MISMATCH
        return fit

    def focus_fit(self, unit: Unit, asked: Asked) -> float:
        if not asked.focus:
            return 0.0
        words = self.kinds.stems(unit.text)
        context = self.kinds.stems(f"{unit.chunk.title} {unit.heading}")
        found = sum(1.0 if s in words else 0.5 if s in context else 0.0 for s in asked.focus)
        return found / len(asked.focus)

    # -- choosing the text ------------------------------------------------------------------

    def choose_runs(self, sections: list[list[Unit]], asked: Asked) -> list[list[Unit]]:
        if self.fit is not None:
            return self.choose_fitted(sections, asked)
        eligible = [u for s in sections for u in s if u.eligible and self._standalone(u, sections)]
        if not eligible:
            return []
        best = max(eligible, key=lambda u: u.score)
        if asked.sides:
            runs = self.comparison_runs(sections, asked, best)
            if runs:
                return runs
        budget = MAX_WORDS
        runs = []
        worry = self.worry_unit(eligible, asked, best)
        if asked.main == "when_to_worry" or (
            worry is None and WARNING_WORRIES & set(asked.worries)
        ):
            worry = self.warning_unit(eligible, sections, best) or worry
        if worry is not None and worry is not best:
            runs.append(self.grow_run(worry, sections, best.score, budget // 2, limit=2))
            budget -= sum(u.words for u in runs[0])
        runs.append(self.grow_run(best, sections, best.score, budget, exclude=runs))
        self.add_second_run(runs, eligible, sections, best.score)
        return [r for r in runs if r]

    def choose_fitted(self, sections, asked: Asked) -> list[list[Unit]]:
        """The sentences the fitted score (sentence_fit.py) finds likely to answer: the best,
        then others only while likely enough, near enough the best, and new; a comparison gets
        a likely sentence that sets its sides apart, then the best of each side not yet named; a
        question about warning signs always gets the signs.
        One run per section, the likeliest first (_as_runs)."""
        fit = self.fit
        units, x = self.fit_candidates(sections, asked)
        if not units:
            return []
        likely = dict(zip(map(id, units), fit.probabilities(x).tolist(), strict=True))
        ranked = sorted(units, key=lambda u: likely[id(u)], reverse=True)
        chosen: list[Unit] = []

        def take(u: Unit, always: bool = False) -> bool:
            section = self._section_of(u, sections)
            adding = [a for a in self._with_antecedents(u, section, set()) if a not in chosen]
            words = sum(c.words for c in chosen) + sum(a.words for a in adding)
            if always:  # the answer's first sentence, however long
                chosen.extend(adding)
                return True
            if len(chosen) + len(adding) > fit.max_sentences or words > fit.max_words:
                return False
            if any(self._repeats(a, chosen) for a in adding):
                return False
            chosen.extend(adding)
            return True

        sides = self._side_stems(asked)
        contrast = next((u for u in ranked[:CONTRAST_WITHIN] if self._contrasts(u, sides)), None)
        if contrast is not None:  # a sentence that sets the sides apart answers the question
            take(contrast, always=True)
        for stems in sides:
            if any(self._says(u, stems) for u in chosen):
                continue
            # the sentence's own words first: a heading may name both sides
            naming = [u for u in ranked if self._says(u, stems) and u not in chosen] or [
                u for u in ranked if self._mentions(u, stems) and u not in chosen
            ]
            if naming:
                take(naming[0], always=not chosen)
        if not chosen:
            take(ranked[0], always=True)
        best = max(likely.get(id(u), 0.0) for u in chosen)
        keep, ratio = fit.thresholds(asked.main)
        for u in ranked:
            p = likely[id(u)]
            if p < keep or p < ratio * best:
                break
            if u not in chosen:
                take(u)
        if asked.main == "when_to_worry" and not any(self._lists_signs(u) for u in chosen):
            # Leaving out the signs is the unsafe answer to a question about them.
            signs = next((u for u in ranked if self._lists_signs(u)), None)
            if signs is not None and not take(signs):
                chosen[-1:] = []  # the signs matter more than the weakest sentence
                take(signs, always=True)
        return self._as_runs(chosen, sections, likely)

    def _side_stems(self, asked: Asked) -> list[frozenset[str]]:
        """Each side's words that the other side lacks: in "a bulging disc or a herniated disc",
        a sentence about discs names neither side; one about bulging names the first."""
        stems = [self.kinds.focus_of(self._expanded(side)) for side in asked.sides or ()]
        if len(stems) != 2:
            return stems
        first, second = stems
        return [first - second or first, second - first or second]

    def _contrasts(self, u: Unit, sides: list[frozenset[str]]) -> bool:
        """A sentence in comparing words ("whereas", "unlike", "rather than") that names a side."""
        return "comparison" in self.kinds.sentence_kinds(u.text) and any(
            self._says(u, stems) for stems in sides
        )

    def _lists_signs(self, u: Unit) -> bool:
        return self.kinds.lists_signs(u.text)

    def _as_runs(self, chosen: list[Unit], sections, likely: dict) -> list[list[Unit]]:
        """One run per section, the likeliest first; each leads with its likeliest sentence
        (after what that one leans on), then the others in reading order: the answer first,
        not buried under the section's background."""
        runs: dict[tuple, list[Unit]] = {}
        for u in chosen:
            runs.setdefault((u.chunk.source, u.heading), []).append(u)
        out = []
        for run in sorted(runs.values(), key=lambda r: -max(likely.get(id(u), 0.0) for u in r)):
            run.sort(key=lambda u: self._order(u, sections))
            lead = max(run, key=lambda u: likely.get(id(u), 0.0))
            section = self._section_of(lead, sections)
            first = [u for u in self._with_antecedents(lead, section, set()) if u in run]
            out.append(first + [u for u in run if u not in first])
        return out

    def comparison_runs(self, sections, asked: Asked, best: Unit) -> list[list[Unit]]:
        """A run for each side, each from the sentences that name it; None if a side is silent."""
        runs: list[list[Unit]] = []
        for side in asked.sides or ():
            stems = self.kinds.focus_of(side)
            named = [
                u
                for s in sections
                for u in s
                if u.eligible
                and self._standalone(u, sections)
                and self._mentions(u, stems)
                and not any(u in r for r in runs)
            ]
            if not named:
                return []
            top = max(named, key=lambda u: u.score)
            runs.append(
                self.grow_run(top, sections, top.score, MAX_WORDS // 2, exclude=runs, limit=2)
            )
        if (
            runs[0]
            and runs[1]
            and runs[0][0].chunk.section == runs[1][0].chunk.section
            and runs[0][0].chunk.source == runs[1][0].chunk.source
        ):
            merged = sorted(
                {id(u): u for r in runs for u in r}.values(), key=lambda u: self._order(u, sections)
            )
            return [merged]
        return runs

    def warning_unit(self, eligible: list[Unit], sections, best: Unit) -> Unit | None:
        """For a question about warning signs: the best sentence under a warning-sign heading,
        or that names emergency care (leaving the signs out is the unsafe answer)."""
        warning = [
            u
            for u in eligible
            if "when_to_worry" in self.kinds.heading_kinds(u.heading)
            and "when_to_worry" in self.kinds.sentence_kinds(u.text)
        ]
        if not warning:
            return None
        top = max(warning, key=lambda u: u.score)
        return top if top.score >= best.score - WARNING_GAP else None

    def worry_unit(self, eligible: list[Unit], asked: Asked, best: Unit) -> Unit | None:
        if not asked.worries:
            return None
        worries = set(asked.worries)
        answering = [u for u in eligible if self.kinds.sentence_worries(u.text) & worries]
        if not answering:
            return None
        top = max(answering, key=lambda u: u.score)
        return top if top.score >= best.score - WORRY_GAP else None

    def grow_run(
        self, start: Unit, sections, best_score: float, budget: int, exclude=(), limit=None
    ):
        """`start` (with its antecedent), then the section's other sentences that are relevant
        enough, best first while the words last, shown in reading order. Sentences before
        `start` need a higher score: the answer should lead, not the background."""
        section = self._section_of(start, sections)
        taken = {id(u) for r in exclude for u in r}
        at = {id(u): n for n, u in enumerate(section)}
        run = self._with_antecedents(start, section, taken)
        words = sum(u.words for u in run)
        limit = limit or self.max_sentences
        first = at[id(start)]
        others = sorted(
            (u for u in section if u.eligible and id(u) not in taken and u not in run),
            key=lambda u: u.score,
            reverse=True,
        )
        for u in others:
            gap = RUN_GAP if at[id(u)] > first else BACK_GAP
            if len(run) >= 2:  # past two sentences, only what is nearly as good: no filler
                gap = min(gap, LATER_GAP)
            if u.score < best_score - gap:
                continue
            adding = [x for x in self._with_antecedents(u, section, taken) if x not in run]
            extra = sum(x.words for x in adding)
            if len(run) + len(adding) > limit or words + extra > budget:
                continue
            if any(self._repeats(x, run + [c for r in exclude for c in r]) for x in adding):
                continue
            run.extend(adding)
            words += extra
        return sorted(run, key=lambda u: at[id(u)])

    def _with_antecedents(self, u: Unit, section: list[Unit], taken: set) -> list[Unit]:
        """u and the sentences it leans on, back to one that stands alone."""
        n = section.index(u)
        m = n
        while section[m].dependent and m > 0 and id(section[m - 1]) not in taken:
            m -= 1
        return section[m : n + 1]

    def add_second_run(self, runs, eligible, sections, best_score: float) -> None:
        if len(runs) >= MAX_RUNS:
            return
        used = {id(u) for r in runs for u in r}
        chosen = [u for r in runs for u in r]
        words = sum(u.words for u in chosen)
        for u in sorted(eligible, key=lambda u: u.score, reverse=True):
            if u.score < best_score - SECOND_RUN_GAP:
                return
            if (
                id(u) in used
                or self._repeats(u, chosen)
                or any(self._adjacent(u, r, sections) for r in runs)
            ):
                continue
            run = self.grow_run(u, sections, best_score, MAX_WORDS - words, exclude=runs, limit=2)
            if (
                run
                and words + sum(x.words for x in run) <= MAX_WORDS
                and not any(id(x) in used for x in run)
            ):
                runs.append(run)
            return

    def fit_candidates(self, sections, asked: Asked) -> tuple[list[Unit], np.ndarray]:
        """The sentences that may be quoted, and the fitted choice's features of each."""
        units, candidates = [], []
        for n, section in enumerate(sections):
            for m, u in enumerate(section):
                if not (u.eligible and self._standalone(u, sections)):
                    continue
                units.append(u)
                candidates.append(
                    Candidate(
                        text_stems=self.kinds.stems(u.text),
                        heading_stems=self.kinds.stems(f"{u.chunk.title} {u.heading}"),
                        meaning=u.meaning,
                        score=u.score,
                        kind=u.kind,
                        focus=u.focus,
                        worry=u.worry,
                        article_rank=u.article_rank,
                        section=n,
                        position=m,
                        section_size=len(section),
                        leans_back=u.dependent,
                        words=u.words,
                    )
                )
        return units, features(candidates, asked.focus)

    # -- small readings -----------------------------------------------------------------------

    def _expanded(self, text: str) -> str:
        """With the articles' terms for a visitor's word ("physio": physical therapy)."""
        lexicon = getattr(self.library, "lexicon", ())
        return expand_query(text, lexicon)

    def _standalone(self, u: Unit, sections) -> bool:
        """A sentence leaning on one before can start a run only if that one exists."""
        if not u.dependent:
            return True
        section = self._section_of(u, sections)
        return section.index(u) > 0

    def _mentions(self, u: Unit, stems: frozenset[str]) -> bool:
        return _half_of(stems, self.kinds.stems(f"{u.text} {u.heading}"))

    def _says(self, u: Unit, stems: frozenset[str]) -> bool:
        """Like _mentions, in the sentence's own words only."""
        return _half_of(stems, self.kinds.stems(u.text))

    def _names(self, chunk: Chunk, stems: frozenset[str]) -> bool:
        return _half_of(stems, self.kinds.stems(f"{chunk.section} {chunk.text}"))

    def _repeats(self, u: Unit, chosen: list[Unit]) -> bool:
        return any(float(u.vector @ c.vector) > REDUNDANT for c in chosen)

    def _adjacent(self, u: Unit, run: list[Unit], sections) -> bool:
        section = self._section_of(u, sections)
        return run[0] in section and abs(section.index(u) - section.index(run[-1])) <= 1

    @staticmethod
    def _section_of(u: Unit, sections) -> list[Unit]:
        return next(s for s in sections if any(x is u for x in s))

    def _order(self, u: Unit, sections) -> tuple[int, int]:
        for n, s in enumerate(sections):
            for m, x in enumerate(s):
                if x is u:
                    return n, m
        return len(sections), 0

    def draft(self, runs: list[list[Unit]], passages: list[Passage]) -> Draft:
        by_source = {p.chunk.source: p for p in passages}
        used = []
        for run in runs:
            source = run[0].chunk.source
            url = self.library.url_of(source) if self.library is not None else None
            passage = by_source.get(source) or Passage(run[0].chunk, 0.0, 0.0, url)
            used.append(passage)
        quoted: dict[str, str] = {}
        for run in runs:
            quoted.setdefault(run[0].chunk.source, run[0].text)
        citations = make_citations(used, quoted)
        number = {c.source: c.n for c in citations}
        text = " ".join(
            " ".join(u.text for u in run) + f" [{number[run[0].chunk.source]}]" for run in runs
        )
        return Draft(text=text, citations=tuple(citations))
