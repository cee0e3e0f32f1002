"""The red-flag rules: concepts found in each sentence, their context, and the rules they meet.

Everything clinical is data (assistant/data/red-flags.toml, or the clinic's copy in data/texts):
this module only reads it and applies it. A finding counts in a sentence that is about now
(not a general question, a hypothetical, or long-standing), and not in a negated clause.
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ...errors import AssistantError
from ...texts import PACKAGE_DATA, data_file
from .text import clauses, sentences

RED_FLAGS_FILE = "red-flags.toml"
CONTEXT_KEYS = (
    "negation",
    "personal",
    "question_start",
    "hypothetical",
    "acute",
    "long_standing",
    "resolved",
    "retracts",
    "pseudo_negation",
    "recent",
    "post_negation",
)
# Inside a matched phrase, a negation between the subject and the finding ("scalp isn't tender").
INNER_NEGATION = re.compile(
    r"\b(?:isn'?t|is not|aren'?t|are not|wasn'?t|was not|doesn'?t|does not|don'?t|didn'?t|"
    r"not|never)\b"
)
# "fever? none." reads as "no fever".
ASKED_AND_DENIED = re.compile(r"\b([a-z][a-z ]{1,25})\?\s*(?:none|no|nope|nah|negative)\b")
# A hypothetical or general sentence that also says "right now" is about now.
STILL_NOW = re.compile(
    r"\bright now\b|\bjust now\b|\bat the moment\b|\bcurrently\b|\bago\b|\btoday\b|"
    r"\bsince\b|\bthis (?:morning|afternoon|evening)\b"
)


@dataclass(frozen=True)
class Rule:
    name: str
    source: str
    alternatives: tuple[frozenset[str], ...]
    recurring: bool = False  # also met by findings in long-standing sentences

    def met_by(self, concepts: set[str]) -> bool:
        return any(alt <= concepts for alt in self.alternatives)


@dataclass(frozen=True)
class Reading:
    """What the rules read in one message."""

    rule: Rule | None  # the first rule met
    concepts: frozenset[str]  # concepts asserted in sentences about now
    text: str  # those sentences: what the net reads


class RedFlags:
    def __init__(self, data: dict, where: str = RED_FLAGS_FILE):
        try:
            self.context = {k: re.compile(data["context"][k]) for k in CONTEXT_KEYS}
            self.keywords = [str(w) for w in data.get("spelling", {}).get("words", [])]
            self.concepts = {
                name: re.compile("|".join(f"(?:{p})" for p in c["patterns"]))
                for name, c in data["concepts"].items()
            }
            self.rules = [
                Rule(
                    name=r["name"],
                    source=r["source"],
                    alternatives=tuple(frozenset(alt) for alt in r["any"]),
                    recurring=bool(r.get("recurring", False)),
                )
                for r in data["rules"]
            ]
        except (KeyError, TypeError) as err:
            raise AssistantError(
                f"{where}: missing or malformed entry {err} (the shipped file, "
                f"{PACKAGE_DATA / RED_FLAGS_FILE}, shows every entry it needs)"
            ) from err
        except re.error as err:
            raise AssistantError(
                f"{where}: a pattern is not a valid regular expression: {err}"
            ) from err
        for rule in self.rules:
            unknown = set().union(*rule.alternatives) - set(self.concepts)
            if unknown:
                names = ", ".join(sorted(unknown))
                raise AssistantError(f"{where}: rule {rule.name!r} names unknown concepts: {names}")

    @classmethod
    def load(cls, texts_dir: Path | None = None) -> "RedFlags":
        path = data_file(RED_FLAGS_FILE, texts_dir)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise AssistantError(f"{path}: not valid TOML ({err})") from err
        return cls(data, str(path))

    def concepts_in(self, sentence: str) -> set[str]:
        """Concepts asserted in one sentence: a match counts unless a negation cue precedes it
        in its clause ("no fever", "I don't have numbness")."""
        parts = clauses(sentence)
        found = set()
        for name, regex in self.concepts.items():
            if any(not self.negated(part, m) for part in parts for m in regex.finditer(part)):
                found.add(name)
        return found

    def negated(self, clause: str, match: re.Match) -> bool:
        """A negation cue shortly before the finding, inside its phrase, or right after it,
        not counting pseudo-negations ("not able to", "no longer")."""
        pseudo = self.context["pseudo_negation"]
        before = pseudo.sub(" ", clause[: match.start()][-80:])
        inside = pseudo.sub(" ", match.group(0))
        return bool(
            self.context["negation"].search(before[-60:])
            or INNER_NEGATION.search(inside)
            or self.context["post_negation"].search(clause[match.end() :])
        )

    def explain(self, text: str) -> list[dict]:
        """Each sentence's context and concepts: what a clinician tuning the rules looks at."""
        return [
            {
                "sentence": s,
                "context": self.context_of(s, bool(self.context["recent"].search(text))),
                "concepts": sorted(self.concepts_in(s)),
            }
            for s in sentences(text)
        ]

    def context_of(self, sentence: str, message_is_acute: bool = False) -> str:
        """'general' (about signs in general), 'hypothetical', 'past' (over, or checked and
        fine), 'long' (long-standing) or 'now'. A question in a message that says when it
        began ("is it normal to ...? happened 2 hours ago") is about now, not general."""
        cue = self.context
        acute = bool(cue["acute"].search(sentence))
        if cue["resolved"].search(sentence) and not cue["recent"].search(sentence):
            return "past"
        if (
            not cue["personal"].search(sentence)
            and not acute
            and not message_is_acute
            and (sentence.rstrip().endswith("?") or cue["question_start"].search(sentence))
        ):
            return "general"
        if cue["hypothetical"].search(sentence) and not STILL_NOW.search(sentence):
            return "hypothetical"
        if cue["long_standing"].search(sentence) and not acute:
            return "long"
        return "now"

    def read(self, text: str) -> Reading:
        """The first rule the message's findings meet (inside one sentence about now, over all
        such sentences together, or for recurring patterns with long-standing ones too), the
        concepts about now, and the sentences about now."""
        now: set[str] = set()
        recurring: set[str] = set()
        current: list[str] = []
        rule = None
        text = ASKED_AND_DENIED.sub(r"no \1.", text)
        acute = bool(self.context["recent"].search(text))
        for sentence in sentences(text):
            context = self.context_of(sentence, acute)
            if context == "long":
                recurring |= self.concepts_in(sentence)
            elif context == "now":
                found = self.concepts_in(sentence)
                rule = rule or self.first_met(found)
                now |= found
                current.append(sentence)
        rule = rule or self.first_met(now)
        rule = rule or next(
            (r for r in self.rules if r.recurring and r.met_by(now | recurring)), None
        )
        return Reading(rule, frozenset(now), " ".join(current))

    def retracts_earlier(self, text: str) -> bool:
        """The message says that what the conversation told before is long over."""
        return bool(self.context["retracts"].search(text))

    def first_met(self, concepts: set[str]) -> Rule | None:
        return next((r for r in self.rules if r.met_by(concepts)), None)
