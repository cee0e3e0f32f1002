"""The answer side of safety: a sentence that states a dose or diagnoses the reader is dropped
from any answer, quoted or generated."""

import re

from .text import normalise

_ANSWER_DOSE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:-|to|–)?\s?(?:\d+(?:[.,]\d+)?\s?)?(?:mg|mcg|µg|ug|ml|milligrams?|"
    r"micrograms?|grams?|g|units|iu|mg/kg)\b|\b(?:one|two|three|four|1|2|3|4|half a) (?:tablets?|"
    r"pills?|capsules?|caplets?|drops|puffs|sachets?|teaspoons?)\b|\b(?:dose|dosage|"
    r"dosing)\b.{0,30}"
    r"\b(?:is|of|are|should be)\b.{0,20}\d|\bmaximum (?:daily )?(?:dose|amount)\b|\bevery "
    r"\d+(?:\s?(?:-|to)\s?\d+)? hours\b.{0,20}|\b(?:once|twice|three times|four times) (?:a|per) "
    r"day\b.{0,40}\b(?:take|tablet|pill|dose|capsule)|\btake\b.{0,40}\b(?:once|twice|three times|"
    r"four times) (?:a|per) day\b"
)
_ANSWER_DIAGNOSIS = re.compile(
    r"\byou (?:definitely|probably|most likely|likely|clearly|certainly|must|almost certainly) "
    r"(?:have|are suffering|suffer|'ve got|got)\b|\byou(?:'ve| have) got (?:a |an )?\w+ "
    r"(?:headache|neuralgia|migraine|disc|spondylosis|tumou?r|syndrome)\b|\bi (?:can |would |"
    r"will )?diagnos\w+|\bmy diagnosis\b|\b(?:your|this) (?:diagnosis|condition) is\b|\byour "
    r"(?:headaches?|pain|symptoms?) (?:is|are) (?:definitely|clearly|certainly|caused by|due to|"
    r"a case of)\b|\bbased on (?:your|what you)\b.{0,40}\b(?:you have|it is|this is|it's)\b|"
    r"\bthis is (?:definitely|clearly|certainly) (?:a |an )?\w+|\byou are (?:having|experiencing)"
    r" (?:a |an )?(?:migraine|cervicogenic|tension|cluster|occipital)"
)


def unsafe_answer_sentence(sentence: str) -> bool:
    """True if a sentence of an answer states a drug dose/amount or claims to diagnose the reader;
    the answerer drops such sentences."""
    text = normalise(sentence)
    return bool(_ANSWER_DOSE.search(text) or _ANSWER_DIAGNOSIS.search(text))
