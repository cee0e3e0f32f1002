"""The red-flag rules: concepts found in each sentence, their context, and the rules they meet.

Everything clinical is data (assistant/data/red-flags.toml, or the clinic's copy in data/texts):
this module only reads it and applies it. A finding counts in a sentence that is about now
(not a general question, a hypothetical, or long-standing), and not in a negated clause; in a
sentence dated in the past, only its clauses told as now count, and the causes and risks of its
dated clause stand beside them.
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
# Added later: a clinic's older copy of the file may lack them (then they never match).
OPTIONAL_CONTEXT_KEYS = ("past_anchor", "ongoing", "present_tense", "past_tense")
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
NEVER = r"(?!)"


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
            self.context |= {
                k: re.compile(data["context"].get(k, NEVER)) for k in OPTIONAL_CONTEXT_KEYS
            }
            self.keywords = [str(w) for w in data.get("spelling", {}).get("words", [])]
            self.concepts = {
                name: re.compile("|".join(f"(?:{p})" for p in c["patterns"]))
                for name, c in data["concepts"].items()
            }
            self.background = {n for n, c in data["concepts"].items() if c.get("background")}
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
        fine), 'long' (long-standing), 'dated' (a clause says when in the past) or 'now'. A
        question in a message that says when it began ("is it normal to ...? happened 2 hours
        ago") is about now, not general."""
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
        if (
            cue["past_anchor"].search(sentence)
            and not cue["recent"].search(sentence)
            and not cue["ongoing"].search(sentence)
        ):
            return "dated"  # "18 months ago I had a sudden headache": sudden then, not now
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
        background: set[str] = set()  # causes and risks told as long-standing or long ago
        for sentence in sentences(text):
            context = self.context_of(sentence, acute)
            if context == "long":
                recurring |= self.concepts_in(sentence)
                background |= self.concepts_in(sentence) & self.background
            elif context == "dated":
                now_part, causes = self.read_dated(sentence)
                background |= causes
                if now_part:
                    now |= self.concepts_in(now_part)
                    current.append(sentence)
            elif context == "now":
                found = self.concepts_in(sentence)
                rule = rule or self.first_met(found)
                now |= found
                current.append(sentence)
        rule = rule or self.first_met(now) or self.first_met_with(now, background)
        rule = rule or next(
            (r for r in self.rules if r.recurring and r.met_by(now | recurring)), None
        )
        return Reading(rule, frozenset(now), " ".join(current))

    def read_dated(self, sentence: str) -> tuple[str, set[str]]:
        """A dated sentence's clauses about now (the finding), and the causes and risks its dated
        clauses tell ("fever and back pain, had spine surgery 3 weeks ago")."""
        now_clauses, causes = [], set()
        for part in clauses(sentence):
            if self.context["past_anchor"].search(part):
                causes |= self.concepts_in(part) & self.background
            elif self.concepts_in(part) - self.background and self.about_now(part):
                now_clauses.append(part)
        return ", ".join(now_clauses), causes

    def about_now(self, clause: str) -> bool:
        """Told in the present tense, or with no verb: not "my vision went blurry for a day"."""
        cue = self.context
        return bool(cue["present_tense"].search(clause)) or not cue["past_tense"].search(clause)

    def retracts_earlier(self, text: str) -> bool:
        """The message says that what the conversation told before is long over."""
        return bool(self.context["retracts"].search(text))

    def first_met(self, concepts: set[str]) -> Rule | None:
        return next((r for r in self.rules if r.met_by(concepts)), None)

    def first_met_with(self, now: set[str], background: set[str]) -> Rule | None:
        """The first rule that causes and risks told earlier meet together with a finding about
        now (not itself a cause or risk): "fever and back pain, had spine surgery 3 weeks ago"."""
        findings = now - self.background
        return next(
            (
                r
                for r in self.rules
                if any(alt <= now | background and alt & findings for alt in r.alternatives)
            ),
            None,
        )
