"""What the assistant must not answer: dosing, a personal diagnosis, prompt injection, and
plainly off-topic requests (DESIGN.md's decline reasons)."""

import re
from pathlib import Path

import numpy as np

from ...texts import read_examples
from ..messages import user_messages
from .text import normalise

OFF_TOPIC_SIMILARITY = 0.30  # cosine to the nearest off-topic example...
OFF_TOPIC_MARGIN = 0.10  # ...and this much closer to it than to any in-scope one

_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass|skip|drop)\b.{0,30}\b(?:instructions?|rules|"
    r"prompts?|guidelines|guardrails|restrictions|programming|directives|everything (?:above|"
    r"before)|previous|prior)\b|\b(?:system|initial|original|hidden|developer) (?:prompt|"
    r"message|instructions)\b|\b(?:reveal|show|print|repeat|tell|give|display|output|dump|"
    r"share|what (?:are|were))\b.{0,25}\b(?:your|the) (?:\w+ )?(?:instructions|prompt|rules|"
    r"guidelines|configuration)\b|\binstructions (?:you (?:were|have been) given|above)\b|"
    r"\byou are (?:now|no longer)\b|\bfrom now on\b|\bpretend (?:to be|you'?re|you are|that)"
    r"\b|\bact (?:as|like) (?:a|an|my|the)\b|\brole.?play\b|\bjailbreak\b|\bdeveloper mode\b|"
    r"\bdo anything now\b|\bdan mode\b|\bas my (?:doctor|physician|neurologist|gp)\b|\bbe my "
    r"(?:doctor|physician|neurologist|gp)\b|\byou'?re (?:a|my) (?:doctor|physician|neurologist)"
    r"\b|\bno (?:disclaimers?|restrictions|filters?|rules)\b|\bwithout (?:disclaimers?|"
    r"restrictions|filters?|any rules)\b|\bnew instructions\b"
)
_DRUG = (
    r"(?:ibuprofen|paracetamol|acetaminophen|tylenol|advil|motrin|aleve|naproxen|aspirin|"
    r"codeine|tramadol|morphine|oxycodone|hydrocodone|gabapentin|pregabalin|lyrica|"
    r"amitriptyline|nortriptyline|diazepam|valium|cyclobenzaprine|flexeril|baclofen|"
    r"tizanidine|methocarbamol|prednisone|prednisolone|sumatriptan|triptans?|rizatriptan|"
    r"topiramate|propranolol|botox|lidocaine|diclofenac|celecoxib|meloxicam|excedrin|"
    r"co-?codamol|painkillers?|pain ?killers|pain relievers?|muscle relaxants?|meds|"
    r"medications?|medicines?|pills?|tablets?|capsules?|steroids?|cbd|opioids?|nsaids?)"
)
# Dose declines are about medicines only. Some wordings always are (a dose, a prescription, an
# amount in mg); the others ("how often should I take...", "how many a day", "can I take two")
# are only dosing questions in a medicine context, not about exercises, breaks or physio visits.
_DOSE = re.compile(
    r"\bdos(?:e|es|age|ages|ing)\b|\b\d+(?:[.,]\d+)? ?(?:mg|mcg|"
    r"µg|ug|ml|g|milligrams?|micrograms?|units|iu)\b|\b(?:mix|combine|together with|at the same "
    r"time as)\b.{0,30}\b"
    + _DRUG
    + r"\b.{0,30}\b(?:and|with)\b.{0,20}\b"
    + _DRUG
    + r"\b|\bwhat (?:medication|medicine|drug|"
    r"pills?|painkiller)s? should i (?:take|be on|use)\b|\bgive me (?:a |some )?(?:"
    + _DRUG
    + r")\b|\bget (?:me )?(?:some |a )?(?:"
    + _DRUG
    + r") (?:without|online)\b|\b(?:the )?(?:most|max\w*)\b.{0,20}\b"
    + _DRUG
    + r"\b.{0,30}\b(?:i|you|he|she) (?:can|could|should|may)\b|\b"
    + _DRUG
    + r"\b.{0,30}\b(?:can|could|should|may) (?:i|you|he|she) (?:safely )?(?:take|have)\b.{0,25}"
    r"\b(?:at once|at a time|a day|per day|in (?:a|one) day|in 24 hours)\b"
)
_DOSE_AMOUNT = re.compile(
    r"\bhow (?:much|many)\b.{0,30}\b(?:"
    + _DRUG
    + r"|mg|milligrams?|can i take|should i take|to take|a day|per day|at once)\b|\bhow "
    r"often (?:can|should|do|must|may) (?:i|you|he|she|we) take\b|\b(?:max(?:imum)?|safe|right|"
    r"correct|daily) (?:amount|limit|number)\b|\bdoubl(?:e|ing) (?:up|the dose|my (?:dose|meds|"
    r"medication|pills|tablets))|\bcan i (?:take|have) (?:two|three|four|2|3|4|double|"
    r"another|more|extra|a second)\b|\btake (?:two|three|four|2|3|4|more|double) (?:of|"
    r"tablets|pills|at)\b"
)
_MEDICINE = re.compile(r"\b" + _DRUG + r"\b|\b(?:drugs?|doses?|mg)\b")
# A prescription is a dosing matter when it is for a medicine or asked of us; a physio who
# "prescribes exercises" or "do I need a prescription to see a physio" is not.
_PRESCRIPTION = re.compile(r"\bprescri(?:be|bed|bes|bing|ption|ptions)\b")
_PRESCRIPTION_REQUEST = re.compile(
    r"\b(?:can|could|will|would) (?:you|u) prescribe\b|\bprescribe (?:me|him|her|us|something|"
    r"anything)\b|\bprescriptions? for (?:me|him|her|us|something|anything)\b|\b(?:give|write|"
    r"send) (?:me|him|her|us) (?:a |some )?prescriptions?\b"
)
# What an amount or frequency question is about when it is not a medicine.
_ACTIVITY = re.compile(
    r"\b(?:breaks?|exercis\w*|stretch\w*|moves?|movements?|mobility|reps?|repetitions?|sets?|"
    r"routines?|drills?|tucks?|rolls?|turns?|tilts?|squeezes?|holds?|walk\w*|steps|sessions?|"
    r"physio\w*|therapy|appointments?|visits?|treatments?|massages?|yoga|pilates|swim\w*|"
    r"gym|workouts?|posture|screen ?time|standing|stand up|get up|sleep|naps?|water|"
    r"glasses|coffees?|caffeine|heat|ice|hot|cold|pillows?|checks?|adjustments?|sit\w*)\b"
)


def _is_dose_question(text: str, history: list[dict] | None = None) -> bool:
    """A question about medicine amounts, dosing or prescriptions (not about exercise
    frequency): the always-dose wordings, or an amount/frequency wording with a medicine in the
    message, or with no other activity named in it or in the previous user turn."""
    if _DOSE.search(text):
        return True
    if _PRESCRIPTION.search(text) and (
        _MEDICINE.search(text) or _PRESCRIPTION_REQUEST.search(text)
    ):
        return True
    if not _DOSE_AMOUNT.search(text):
        return False
    if _MEDICINE.search(text):
        return True
    if _ACTIVITY.search(text):
        return False
    previous = user_messages(history)
    last = normalise(previous[-1]) if previous else ""
    return not (_ACTIVITY.search(last) and not _MEDICINE.search(last))


_DIAGNOSIS = re.compile(
    r"\bdo (?:i|you think i|you reckon i|you believe i) (?:have|got|suffer from)\b(?! to\b| "
    r"(?:any|an appointment|a consultation|a booking|time|the|enough|insurance|cover))|"
    r"\bhave i (?:got|developed)\b|\bwhat(?:'s| is) wrong with (?:me|my|him|her)\b|\bdiagnos"
    r"(?:e|is)\b.{0,10}\b(?:me|my|him|her)\b|\bcan you diagnose\b|\bgive me a diagnosis\b|"
    r"\bwhat (?:do|have) i (?:have|got)\b|\bwhich (?:one|type|kind|condition|of (?:these|them|"
    r"the two))\b.{0,20}\b(?:do )?i have\b|\btell me (?:what|which)\b.{0,30}\bi have\b|\bis "
    r"(?:it|this|my \w+) (?:a |an )?(?:tumou?r|cancer|ms|multiple sclerosis|aneurysm|brain "
    r"tumou?r)\b.{0,20}\?|\byes or no\b|\bam i (?:dying|going to die)\b|\bwhat (?:is|'s) causing "
    r"my\b.{0,40}\?|\bwhat do (?:i|you think i) (?:have|suffer from)\b|\bdo i need to worry "
    r"that i have\b|\bconfirm (?:that|whether|if) i have\b|\b(?:do you think|would you say|in "
    r"your (?:opinion|view)|your (?:opinion|guess|verdict)|be honest|honestly|tell me (?:straight"
    r"|honestly))\b.{0,40}\b(?:ms|multiple sclerosis|tumou?rs?|cancer|aneurysm|stroke|meningitis|"
    r"herniated|slipped|bulging|arthritis|fibromyalgia|serious|dangerous|what i have|what it is|"
    r"which (?:one|it is))\b|\bis (?:it|this) (?:a |an )?(?:tumou?r|cancer|ms|aneurysm)\b"
)
_DIAGNOSIS_EXCEPT = re.compile(
    r"\bhow (?:do|can|would) (?:i|you|we) (?:know|tell|find out)\b|\bwhat if i have\b|\bif i"
    r" have\b|\bdiagnosed with\b.{0,60}\bwhat (?:does|is|do)\b|\bwhat does (?:it|that) mean\b|"
    # How safe a treatment or test is asks about the treatment, not for a diagnosis.
    r"\b(?:surgery|operations?|procedures?|injections?|nerve blocks?|manipulation|adjustments?|"
    r"treatments?|scans?|mri|x-?rays?)\b.{0,40}\b(?:dangerous|risky|serious|safe)\b|"
    # What a test can show asks about the test ("why can't a scan show which type I have?").
    r"\b(?:can|could|will|would|does|do|why can'?t|why (?:doesn'?t|don'?t|won'?t|wouldn'?t))"
    r"\s+(?:an? |the |my )?(?:scans?|tests?|mri|x-?rays?|imaging|ct(?: scans?)?|blood tests?)"
    r"\s+(?:shows?|tell|find|detect|see|pick up|prove)\b"
)

# Words that place a message inside health (so never off_topic at the guard).
_HEALTH = re.compile(
    r"\b(?:head|heads|headaches?|migraines?|neck|back|spine|spinal|pain|pains|ache|aches|"
    r"aching|hurts?|sore|stiff|posture|pillow|sleep\w*|tired|fatigue|exercise\w*|stretch\w*|"
    r"physio\w*|therap\w+|chiro\w*|massage|acupuncture|doctor|gp|nurse|clinic\w*|clinician|"
    r"consult\w*|appointment|book\w*|symptoms?|health\w*|medic\w*|drugs?|pills?|"
    r"diagnos\w*|treat\w*|surgery|injur\w*|whiplash|disc|discs|nerve\w*|muscle\w*|joint\w*|"
    r"bone\w*|shoulder\w*|jaw|tmj|eyes?|vision|dizz\w*|nause\w*|stress\w*|anxiety|"
    r"pregnan\w*|body|ill|illness|sick|disease\w*|condition|infection|fever|blood|heart|"
    r"diet|weight|vitamin\w*|insurance|opening|hours|cost|price|fee|fees|x-?ray|mri|scan|"
    r"numb\w*|tingl\w*|arm|arms|leg|legs|hand|hands|spondylosis|arthritis|ergonomic\w*|"
    r"desk|screen|recovery|heal\w*|hospital|emergency|care|diabet\w*|cancer|tumou?r|stroke|"
    r"cold|flu|cough|allerg\w*|skin|rash|asthma|pressure|cholesterol|baby|period|menopause|"
    r"mental|depress\w*|anxious|covid|virus|vaccin\w*|surgeon|dentist|teeth|tooth|ear|ears|"
    r"nose|throat|stomach|chest|breath\w*|lose weight|fitness|gym|yoga|pilates|walking|"
    r"running|sports?|concuss\w*|meningitis|seizures?|vomit\w*|faint\w*|"
    r"unconscious|knocked out|a&e|ambulance|paramedics?|injections?|imaging|occipital|"
    r"neuralgia|cervic\w*|warning signs?|red flags?)\b"
)
_OFF_TOPIC = re.compile(
    r"\b(?:tax|taxes|recipes?|bake|baking|cook|cooking|python|javascript|java|code|coding|"
    r"program|programming|function|sql|html|css|bug|compile|weather|forecast|football|"
    r"soccer|basketball|baseball|match|score|laptop|computer|phone|iphone|android|stocks?|"
    r"invest\w*|bitcoin|crypto\w*|movie|film|song|lyrics|poem|essay|homework|capital of|"
    r"translate|holiday|vacation|flight|hotel|car|tyre|tire|garden\w*|election|president|"
    r"joke|mortgage|loan|resume|cv|cover letter|party|wedding|birthday|gift|shopping|travel|"
    r"restaurant|video ?games?|math|maths|equation|history of|news|politics|rent|email|"
    r"spreadsheet|excel|website|app)\b"
)

# A short follow-up that leans on the previous turn ("and what about on my phone?").
_FOLLOW_UP = re.compile(
    r"^\W*(?:and|also|so|but|ok(?:ay)?|what about|how about|same|what if|is that|does that|"
    r"would that|could that|is it|does it|can it)\b|\b(?:that|it|this|those|them|too|as well)\W*$"
)


def _continues_health_topic(text: str, history: list[dict] | None) -> bool:
    """True if a short follow-up message continues a health conversation (so the off-topic
    words in it, like "phone", are about that topic)."""
    previous = user_messages(history)
    if not previous or len(text.split()) > 15 or not _FOLLOW_UP.search(text):
        return False
    return bool(_HEALTH.search(normalise(previous[-1])))


# Greetings and questions about the assistant itself go on (retrieval answers or declines them).
_SMALL_TALK = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks?|thank you|cheers|ok|"
    r"okay|yes|no|bye|goodbye)\b|\b(?:who|what) are you\b|\bwhat can you (?:do|help)|\bare you "
    r"(?:a|an) (?:bot|robot|human|ai|person|real)\b|\bhow (?:does|do) (?:this|you) work\b"
)


def is_injection(text: str) -> bool:
    return bool(_INJECTION.search(text))


def is_dose_question(text: str, history: list[dict] | None = None) -> bool:
    return _is_dose_question(text, history)


def asks_for_diagnosis(text: str) -> bool:
    return bool(_DIAGNOSIS.search(text)) and not _DIAGNOSIS_EXCEPT.search(text)


class OffTopic:
    """Plainly outside health of the head, neck and back: by its words, or by being much closer
    in meaning to the off-topic examples than to the in-scope ones (data/*.txt)."""

    def __init__(self, embeddings, texts_dir: Path | None = None):
        self.embeddings = embeddings
        self.off_vecs = self._encode(read_examples("off-topic.txt", texts_dir))
        self.in_vecs = self._encode(read_examples("in-scope.txt", texts_dir))

    def _encode(self, texts: list[str]) -> np.ndarray | None:
        if self.embeddings is None or not texts:
            return None
        return np.asarray(self.embeddings.encode(texts), dtype=np.float32)

    def __call__(self, text: str, history: list[dict] | None = None) -> bool:
        if _HEALTH.search(text) or _SMALL_TALK.search(text):
            return False
        if _continues_health_topic(text, history):
            return False
        if _OFF_TOPIC.search(text):
            return True
        if self.off_vecs is None:
            return False
        vec = np.asarray(self.embeddings.encode([text])[0], dtype=np.float32)
        off = float((self.off_vecs @ vec).max())
        inside = float((self.in_vecs @ vec).max()) if self.in_vecs is not None else 0.0
        return off >= OFF_TOPIC_SIMILARITY and off - inside >= OFF_TOPIC_MARGIN
