"""The guard: red flags -> emergency, what must not be answered -> decline.

It runs first, in server code, and needs neither the store nor a language model, so no article
or model can override it and an emergency is recognised even when those are down. Two nets that
fail differently can each raise an emergency: the rules over concepts (redflags.py, with the
clinical knowledge in data/red-flags.toml) and a classifier over sentence vectors (net.py).
"""

import re
from dataclasses import dataclass
from pathlib import Path

from ...types import Verdict
from ..messages import MAX_HISTORY_MESSAGES, message_text, user_messages
from .declines import OffTopic, asks_for_diagnosis, is_dose_question, is_injection
from .language import is_foreign
from .net import EmergencyNet, NetInput
from .redflags import Reading, RedFlags
from .text import Speller, normalise

MAX_NET_CHARS = 2000  # the net reads a message's start (the model itself reads ~256 tokens)


@dataclass(frozen=True)
class Triage:
    """What each net said of a message (kept with an emergency reply for review)."""

    rule: str | None = None  # the red-flag rule that fired
    source: str | None = None  # that rule's clinical source
    net_fired: bool = False
    net_probability: float = 0.0

    @property
    def emergency(self) -> bool:
        return self.rule is not None or self.net_fired

    @property
    def fired(self) -> str | None:
        if self.rule:
            return f"rule {self.rule}"
        return f"net {self.net_probability:.2f}" if self.net_fired else None


class Guard:
    def __init__(self, embeddings, texts_dir: Path | None = None, use_net: bool = True):
        self.red_flags = RedFlags.load(texts_dir)
        self.speller = Speller(self.red_flags.keywords, _vocabulary(embeddings))
        self.net = EmergencyNet.load(embeddings) if use_net else None
        self.off_topic = OffTopic(embeddings, texts_dir)

    def check(self, message, history: list[dict] | None = None) -> Verdict | None:
        """Verdict("emergency"), Verdict("decline", reason) or None (go on to retrieval)."""
        text = normalise(message_text(message)).strip()
        if not re.search(r"[^\W_]", text):
            return Verdict("decline", "empty")
        if is_foreign(text):
            return Verdict("decline", "language")
        if self._gibberish(text):
            return Verdict("decline", "empty")
        triage = self.triage(text, history)
        if triage.emergency:
            return Verdict("emergency", because=triage.fired)
        if is_injection(text):
            return Verdict("decline", "injection")
        if is_dose_question(text, history):
            return Verdict("decline", "dose")
        if asks_for_diagnosis(text):
            return Verdict("decline", "diagnosis")
        if self.off_topic(text, history):
            return Verdict("decline", "off_topic")
        return None

    def triage(self, text: str, history: list[dict] | None = None) -> Triage:
        """The message and the newest earlier user turns through both nets."""
        readings = self.readings(text, history)
        rule = next((r.rule for r in reversed(readings) if r.rule), None)
        fired, probability = False, 0.0
        if self.net is not None:
            # The whole message rides along: retrieval embeds it next, from the cache.
            fired, probability = self.net.fires(net_inputs(readings), also=(text,))
        return Triage(rule and rule.name, rule and rule.source, fired, probability)

    def readings(self, text: str, history: list[dict] | None = None) -> list[Reading]:
        """What the rules read in the newest earlier user turns and the message (last)."""
        text = normalise(text)
        earlier = [normalise(m) for m in user_messages(history, MAX_HISTORY_MESSAGES)]
        if earlier and self.red_flags.retracts_earlier(text):
            earlier = []  # "all that was 3 years ago": the story is long over
        return [self.red_flags.read(self.speller.fix(m)) for m in [*earlier, text]]

    def _gibberish(self, text: str) -> bool:
        words = re.findall(r"[a-z]+", text)
        if not words:
            # Letters of no script we read as words, or digits only.
            return not re.search(r"[^\W\d_]", text) and len(text) < 40
        if len(words) > 8 or not self.speller.enabled:
            return False
        known = sum(1 for w in words if self.speller.is_known(w))
        return known / len(words) < 0.34


def net_inputs(readings: list[Reading]) -> list[NetInput]:
    """What the net reads: the newest message's sentences about now and, when earlier turns
    told part of the story, the last few turns' together."""
    recent = [r for r in readings[-4:] if r.text]
    newest = readings[-1]
    inputs = [(newest.text[:MAX_NET_CHARS], newest.concepts)] if newest.text else []
    if len(recent) > 1 or (recent and not newest.text):
        joined = " ".join(r.text for r in recent)[-MAX_NET_CHARS:]
        inputs.append((joined, frozenset().union(*(r.concepts for r in recent))))
    return inputs


def _vocabulary(embeddings) -> set[str] | None:
    return embeddings.vocabulary() if embeddings is not None else None
