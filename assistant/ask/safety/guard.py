"""The guard: red flags -> emergency, things the assistant must not answer -> decline.

It runs before retrieval, in server code, so no article or model can override it. Two layers:
rules for the unmistakable phrases (each symptom is a "sign" found per clause, with negation,
general questions and long-standing symptoms set aside, then combined as in NICE CG150 and the
common neck and back red flags), and semantic similarity of each sentence to the red-flag
examples in data/red-flags.txt (editable by clinicians) against the counter-examples in
data/not-red-flags.txt. Declines follow DESIGN.md's reasons.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

from ...texts import read_examples
from ...types import Verdict
from ..messages import message_text, user_messages

# Similarity layer thresholds (cosine, all-MiniLM-L6-v2), set on the examples in data/.
RED_FLAG_SIMILARITY = 0.70  # a sentence at least this close to a red-flag example...
RED_FLAG_MARGIN = 0.10  # ...and this much closer to it than to any counter-example
OFF_TOPIC_SIMILARITY = 0.30
OFF_TOPIC_MARGIN = 0.10


# ----------------------------------------------------------------------------- text helpers


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return text.lower()


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|(?<=[.!?])(?=[a-z])|;")
_CLAUSE_SPLIT = re.compile(
    r",|\bbut\b|\bhowever\b|\balthough\b|\bthough\b|\bwhereas\b|\band\s+(?=(?:i|my|he|she|"
    r"it|his|her|now|then|also|still|the|there)\b)|\s-\s|\(|\)"
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s and s.strip()]


def clauses(sentence: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(sentence) if c and c.strip()]


# ------------------------------------------------------------------------------ typo fixing

# Words the rules rely on; a word the model's vocabulary does not know is corrected to the
# closest of these (difflib ratio >= 0.8), so "wrost hedache suddnly" reads "worst headache
# suddenly".
KEYWORDS = [
    "headache",
    "headaches",
    "migraine",
    "worst",
    "worse",
    "sudden",
    "suddenly",
    "severe",
    "explosive",
    "excruciating",
    "agonising",
    "agonizing",
    "unbearable",
    "thunderclap",
    "fever",
    "temperature",
    "stiff",
    "rash",
    "spots",
    "purple",
    "blotches",
    "numb",
    "numbness",
    "tingling",
    "weakness",
    "weak",
    "paralysed",
    "paralyzed",
    "drooping",
    "droopy",
    "droop",
    "slurred",
    "slurring",
    "confused",
    "confusion",
    "disoriented",
    "seizure",
    "seizures",
    "convulsion",
    "convulsions",
    "fitting",
    "fainted",
    "fainting",
    "unconscious",
    "collapsed",
    "vision",
    "double",
    "blurry",
    "blurred",
    "blind",
    "dizzy",
    "dizziness",
    "vomiting",
    "vomited",
    "throwing",
    "drowsy",
    "sleepy",
    "pregnant",
    "pregnancy",
    "swollen",
    "swelling",
    "puffy",
    "cancer",
    "chemotherapy",
    "chemo",
    "immune",
    "transplant",
    "jaw",
    "chewing",
    "scalp",
    "temple",
    "tender",
    "bladder",
    "bowel",
    "bowels",
    "incontinent",
    "pee",
    "peeing",
    "urinate",
    "groin",
    "saddle",
    "genitals",
    "manipulation",
    "adjustment",
    "chiropractor",
    "chiropractic",
    "accident",
    "crash",
    "injury",
    "concussion",
    "concussions",
    "concussed",
    "concussive",
    "stroke",
    "meningitis",
    "aneurysm",
    "bleed",
    "haemorrhage",
    "hemorrhage",
    "neck",
    "back",
    "arm",
    "arms",
    "leg",
    "legs",
    "face",
    "speech",
    "speaking",
    "words",
    "balance",
    "carbon",
    "monoxide",
    "boiler",
    "heater",
    "household",
    "everyone",
]
_KEYWORD_SET = set(KEYWORDS)


@lru_cache(maxsize=4096)
def _correct_word(word: str) -> str:
    matches = difflib.get_close_matches(word, KEYWORDS, n=1, cutoff=0.8)
    return matches[0] if matches else word


def fix_typos(text: str, vocab: set[str] | dict | None) -> str:
    if not vocab:
        return text

    def fix(m: re.Match) -> str:
        word = m.group(0)
        if len(word) < 5 or word in vocab or word in _KEYWORD_SET:
            return word
        return _correct_word(word)

    return re.sub(r"[a-z]+", fix, text)


# ---------------------------------------------------------------------------- sign patterns

_HEAD = (
    r"(?:head ?aches?|migraines?|head (?:pain|hurts?|is (?:pounding|killing|splitting))|pain "
    r"(?:in|at) (?:the (?:back|side|front|top|base) of )?(?:my|the|his|her) (?:head|skull)|head "
    r"(?:suddenly )?(?:exploded|exploding|burst))"
)
_SEVERE = (
    r"(?:worst|most (?:severe|painful|intense)|explosive|excruciating|agoni[sz]ing|"
    r"unbearable|blinding|splitting|crushing|horrendous|horrible|terrible|awful|"
    r"extreme|severe|massive|intense|violent|explod(?:ed|ing)|10 ?/ ?10|10 out of 10|"
    r"ten out of ten)"
)
_SUDDEN = (
    r"(?:sudden(?:ly)?|out of (?:nowhere|the blue)|all of a sudden|in (?:a few )?seconds|"
    r"within (?:a )?(?:minute|seconds|moments)|instantly|came on (?:fast|quickly|at once)|"
    r"like a (?:thunderclap|bomb|bolt|gunshot|explosion)|like (?:i was|being|someone) "
    r"(?:hit|struck|kicked)|hit me (?:like|out))"
)
_BODY = r"(?:arms?|legs?|hands?|fingers|feet|foot|side|face|body|limbs?|half)"

SIGNS: dict[str, str] = {
    "headache": _HEAD + r"|\bhead(?:ache)?\b.{0,20}\b(?:pain|hurts?|pounding|throbbing)",
    "worst_headache": (
        r"\b(?:worst|worse) (?:\w+ )?(?:head ?ache|migraine|head pain|pain)\b.{0,30}"
        r"(?:life|ever|i(?:'ve| have)? (?:ever )?(?:had|felt|experienced))"
        r"|\b(?:(?:the|a|my) )?worst (?!part|thing|bit|time|symptom|aspect|day)(?:\w+ ){0,2}"
        r"(?:head ?ache|migraine|head pain|pain in my head)\b(?!s)(?=.{0,40}\b(?:ever|life|now|"
        r"just|suddenly|today|tonight|came on|started|right now|this (?:morning|afternoon|evening)"
        r"|\w+ ago)\b)|" + _HEAD + r".{0,20}"
        r"\b(?:i'?ve|i have|i) ever (?:had|felt|experienced)\b"
        r"|\bthunderclap\b|\bthunder ?clap\b|\bhead (?:suddenly )?(?:exploded|burst)\b|\bhead "
        r"felt like it (?:exploded|burst)\b"
        r"|(?:never|not) (?:had|felt|experienced) (?:a |anything |pain )?(?:like (?:this|it)|"
        r"this bad)"
    ),
    "sudden": _SUDDEN,
    "severe_headache": _SEVERE + r".{0,20}" + _HEAD + r"|" + _HEAD + r".{0,25}" + _SEVERE,
    "fever": (
        r"\bfever(?:ish)?\b|\bhigh temp(?:erature)?\b|\b(?:a |running a |has a |got a )temp"
        r"(?:erature)?\b|\btemp(?:erature)? (?:of|is|was|at|over|above) \d|\btemperature of\b|"
        r"\b3[89](?:[.,]\d)? ?(?:°|degrees|c)\b|\b10[1-5]"
        r"(?:[.,]\d)? ?(?:°|degrees|f)\b|\bchills\b|\bshivering\b|\bburning up\b"
    ),
    "stiff_neck": (
        r"\bstiff(?:ness)?\b.{0,15}\bneck\b|\bneck\b.{0,25}\bstiff\b|"
        r"\bcan(?:'t|not) (?:bend|touch|move|put|get) (?:my |his |her )?(?:chin|head|neck)"
        r".{0,25}(?:chest|forward|down)|\bneck (?:won't|will not|doesn't) bend\b|\brigid neck\b|"
        r"\bneck\b.{0,15}\brigid\b|\bneck (?:hurts|is (?:too )?painful|is agony) to "
        r"(?:move|bend|turn)\b|\bcan(?:'t|not) (?:bend|move|turn) (?:my |his |her )?neck\b"
    ),
    "rash": (
        r"\brash\b|\b(?:red|purple|dark|red-purple|reddish|purplish)(?:[- ](?:red|purple))? "
        r"(?:spots|blotches|marks|dots|pin ?pricks)\b|\b(?:spots|blotches) (?:that|which)"
        r" (?:don't|do not|won't) fade\b|\bpinprick\b|\bpetechia"
    ),
    "non_blanching_rash": (
        r"(?:rash|spots|blotches).{0,40}(?:glass|(?:doesn't|does not|don't|do not|won't|"
        r"not) (?:fade|go away when|blanch))|non.?blanching"
    ),
    "light_hurts": r"\blights? (?:hurts|bothers|is painful|is too bright)|\btoo bright\b|"
    r"\bphotophobia\b|\bcan't (?:stand|bear|"
    r"look at) (?:the )?light",
    "weakness": (
        r"\b(?:weak(?:ness)?|paraly[sz]ed|dead|heavy|limp|floppy)\b.{0,25}\b" + _BODY + r"\b|"
        r"\b" + _BODY + r"\b.{0,30}\b(?:weak|weakness|gave way|giving way|paraly[sz]ed|went "
        r"dead|gone dead|limp|floppy)\b|"
        r"\bcan(?:'t|not|no longer) (?:lift|raise|move|grip|hold|use|feel) (?:my|his|her|the)"
        r" (?:left |right )?(?:arms?|legs?|hands?|fingers|foot|feet|side|face)\b|\bcan(?:'t|not)"
        r" (?:grip|hold) (?:anything|things|a cup|my cup|a pen)\b|\b(?:lost|losing|no) (?:my |"
        r"the )?(?:grip|strength)\b|\bdropping "
        r"(?:things|my|cups)\b|\bcan(?:'t|not) (?:walk|stand) (?:properly|straight|up)\b"
    ),
    "numbness": (
        r"\b(?:numb(?:ness)?|no feeling|lost (?:all )?feeling)\b"
        r".{0,25}\b(?:face|side|body|lips?|cheek|tongue|arm and leg|leg and arm)\b|"
        r"\b(?:face|side|body|lips?|cheek|mouth|arm and leg|leg and arm)\b.{0,30}\b(?:numb|no "
        r"feeling)\b|\bcan(?:'t|not) feel (?:my|his|her|the) (?:left |right )?(?:face|side|"
        r"arm|leg|body)\b"
    ),
    "sided": r"\b(?:left|right|one) (?:side|arm|leg|hand|foot)\b|\bone side\b|\bhalf (?:of )?(?:my|"
    r"his|her|the) (?:body|face)\b|\bboth (?:arms|legs)\b|\b(?:arm|hand) and (?:leg|foot)\b",
    "very_unwell": r"\bunresponsive\b|\bfloppy\b|\bhard to wake\b|\bwon't wake\b|\bcan(?:'t|not) "
    r"wake (?:him|her|them)\b|\bbulging (?:soft spot|fontanel\w*)\b|\bfontanel\w*\b",
    "amnesia": r"\bcan(?:'t|not) remember (?:what happened|anything|the accident|the fall|how)\b|"
    r"\bmemory loss\b|\blost (?:my|his|her) memory\b|\bdoesn't remember (?:what happened|the)\b",
    "onset": r"\bsudden(?:ly)?\b|\bnow\b|\bwoke up\b|\bjust (?:got|had|started|"
    r"came|went)\b|\b(?:just|right) now\b|\bminutes? ago\b|\bhours? ago\b|"
    r"\bsince (?:this|lunch|breakfast|an hour|last night|i woke)|\btoday\b|\bout of nowhere"
    r"\b|\ball of a sudden\b|\bthis (?:morning|afternoon|evening)\b|\bhas gone\b|\bwent\b",
    "hand_numbness": r"\b(?:hands?|fingers?|arms?)\b.{0,25}\bnumb|\bnumb\w*\b.{0,20}\b(?:hands?"
    r"|fingers?|arms?)\b",
    "face_droop": (
        r"\b(?:droop\w*|dropp(?:ed|ing)|sagg\w*|fallen|lopsided|crooked|uneven|not moving)\b"
        r".{0,30}\b(?:face|mouth|smile|lip|eye ?lid|eye)\b|\b(?:face|mouth|smile|lip)\b.{0,40}"
        r"\b(?:droop\w*|sagg\w*|lopsided|crooked|uneven|(?:isn't|is not|not) moving|"
        r"dropp(?:ed|ing)|fallen|twisted)\b|\bdroopy\b|\bfacial (?:droop|palsy|weakness)\b"
    ),
    "speech": (
        r"\bslurr\w*|\b(?:can(?:'t|not)|couldn't|unable to|trouble|struggling to|hard to) "
        r"(?:speak|talk|get (?:my|his|her|the) words|find (?:my|his|her|the) words|say)\b|"
        r"\b(?:speech|words?)\b.{0,20}\b(?:garbled|jumbled|muddled|slurr\w*|wrong|weird|strange|"
        r"funny|nonsense|not making sense|coming out)\b|\btalking (?:funny|strange|weird|gibberish|"
        r"nonsense)\b|\bgibberish\b|\bslur\b"
    ),
    "confusion": (
        r"\bconfus(?:ed|ion)\b(?!\s+(?:about|by|as to|whether|why|what|which|with|over|on))|"
        r"\bdisorient\w+|\b(?:doesn't|does not|don't|didn't) (?:know|recogni[sz]e) (?:where|who|"
        r"what day|me|us)\b|\bnot making sense\b|\bnot (?:him|her|my)sel(?:f|ves)\b"
    ),
    "seizure": r"\bseizures?\b|\b(?:having|had|has had|is having|having) (?:a )?fits?\b|"
    r"\bconvuls\w+|\bfit(?:ting)?\b(?= (?:and|on the|earlier|just))|"
    r"\bhad a fit\b|\bshaking uncontrollably\b",
    "faint": (
        r"\bfaint(?:ed|ing)?\b|\bpass(?:ed|ing)? out\b|\bblack(?:ed|ing)? out\b|\blost "
        r"consciousness\b|\bunconscious\b|\bknocked out\b|\bcollaps\w+"
    ),
    "double_vision": r"\bdouble vision\b|\b(?:vision|everything|things|eyes?)\b.{0,25}\bdoubl"
    r"(?:ed|ing)\b|\bseeing (?:double|two of everything)\b|\bseeing 2\b",
    "vision_loss": (
        r"\b(?:lost|losing|loss of|no) (?:the )?(?:vision|sight|eyesight)\b|\bvision\b.{0,20}"
        r"(?:went|gone|going) (?:dark|black|blurry|blurred|grey|gray|out)|\bcan(?:'t|not) see\b"
        r"|\bblind\b|\bcurtain\b.{0,20}\beye|\bhalf (?:of )?my vision\b"
    ),
    "visual_disturbance": (
        r"\bblurr(?:y|ed|ing) vision\b|\bvision\b.{0,20}\bblurr|\bflashing lights?\b|\bflashes"
        r"\b|\bspots (?:in front of|before) (?:my|her) eyes\b|\bseeing (?:spots|stars|flashes)\b"
        r"|\bzigzag|\bvisual (?:disturbance|problems|changes)\b|\bvision (?:problems|changes|"
        r"is (?:off|weird|strange))\b"
    ),
    "dizzy": r"\bdizz\w+|\bvertigo\b|\blight.?headed\b|\bunsteady\b|\b(?:lost|losing|lose) "
    r"(?:my )?balance\b|\broom (?:is )?spinning\b|\bwobbly\b",
    "vomit": r"\bvomit\w*|\bthr(?:own|ew|owing) up\b|\bbeing sick\b|\bbeen sick\b|\bkeep(?:s)? "
    r"being sick\b|\bpuk\w+",
    "drowsy": r"\bdrows\w+|\bsleepy\b|\bhard to wake\b|\bwon't wake\b|\bcan't stay awake\b|"
    r"\bkeeps? falling asleep\b|\bvery tired\b|\bout of it\b",
    "head_injury": (
        r"\b(?:knock|blow|bang|bump|hit|whack|smack)(?:ed)? (?:to|on|in) the head\b|\btook a "
        r"(?:knock|hit|blow|bang|whack)\b|"
        r"\b(?:hit|banged|bumped|smacked|knocked|struck|whacked|cracked) (?:my|his|her|their|the"
        r"|our) (?:own )?head\b|\bhead (?:injury|trauma|knock|bump)\b|\bconcuss\w+|\b(?:fell|"
        r"fall|landed|falling) (?:\w+ ){0,5}(?:on|onto) (?:my|his|her|the back of (?:my|his|her)"
        r")? ?head\b|\bblow to the head\b|\bhit in the head\b|\bhead (?:hit|struck|banged)\b"
    ),
    "trauma": (
        r"\b(?:car|road|traffic|motorbike|motorcycle|bike|cycling|skiing|diving|rugby) "
        r"(?:crash|accident|collision|wreck)\b|\bcrash\w*\b|\bcollision\b|\brear.?ended\b|"
        r"\b(?:fell|fall|fallen|falling)\b|\bwhiplash\b|\btackled?\b|\bdived\b|\bdove\b"
    ),
    "manipulation": (
        r"\bchiro\w*|\bmanipulat\w+|\badjust(?:ed|ment)\b|\bneck (?:was |got )?(?:cracked|popped)"
        r"\b|\bcracked my neck\b|\bosteopath\w*"
    ),
    "pregnant": r"\bpregnan\w+|\b\d\d? weeks?\b.{0,10}\b(?:along|gone)\b|\bexpecting (?:a baby|"
    r"twins)\b|\bgave birth\b|\bjust had (?:a|my) baby\b|\bpostpartum\b",
    "swelling": r"\bswoll?en\b|\bswelling\b|\bpuffy\b|\bpuffiness\b|\bbloated (?:face|hands|feet)",
    "immuno": (
        r"\bcancer\b|\bchemo\w*|\bradiotherapy\b|\btumou?r\b(?= (?:treatment|patient))|\bleuka?"
        r"emia\b|\blymphoma\b|\bhiv\b|\baids\b|\bimmun\w* (?:system )?(?:is )?(?:weak|"
        r"compromised|suppress\w+|deficien\w*)|\bimmunosuppress\w+|\bweak(?:ened)? immune\b|"
        r"\btransplant\b"
    ),
    "new_headache": (
        r"\bnew\b.{0,15}" + _HEAD + r"|" + _HEAD + r".{0,40}\b(?:getting worse|worse every|"
        r"(?:past|last|for) (?:few|couple|\d) (?:days|weeks)|this week|never had (?:headaches|"
        r"them) before)|\b(?:developed|started getting|started having) (?:a |bad )?" + _HEAD
    ),
    "jaw_claudication": (
        r"\bjaw\b.{0,30}\b(?:when|while|after) (?:i |he |she )?(?:chew|eat)\w*|\b(?:hurts|"
        r"painful|aches?|sore) (?:to |when (?:i |he |she )?)(?:chew|eat)|\b(?:chew|eat)\w*"
        r"\b.{0,20}\b(?:hurts?|pain\w*|aches?)\b.{0,15}\bjaw\b|\bjaw (?:claudication|tires)"
    ),
    "scalp_tender": r"\bscalp\b.{0,30}\b(?:tender|sore|hurts?|painful|sensitive)\b|\b(?:tender|"
    r"sore|painful)\b.{0,10}\bscalp\b|\bhurts? to (?:brush|comb|touch) my hair\b|\btemple"
    r"\b.{0,20}\b(?:tender|sore to touch|swollen|hard|throbbing artery)",
    "temple": r"\btemples?\b",
    "age_over_50": (
        r"\b(?:i'?m|i am|aged?|he'?s|she'?s|my (?:mum|mom|dad|father|mother|wife|husband|"
        r"grandma|grandpa|grandmother|grandfather)(?: is)?)\s+(?:[5-9]\d|1[01]\d)\b|\b(?:[5-9]\d)"
        r"[ -]?(?:years?[ -]old|yo|y/o|yrs)\b|\bover (?:50|fifty|60|sixty)\b|\bin my (?:50s|60s|"
        r"70s|80s|fifties|sixties|seventies|eighties)\b|\b(?:elderly|grandm\w+|grandf\w+|grandp"
        r"\w+|grandma|grandpa)\b"
    ),
    "group": (
        r"\b(?:everyone|everybody|all of us|both of us|the whole (?:family|house|household)|"
        r"whole family|we all|we both|all the family|me and (?:my|the) (?:kids|wife|husband|"
        r"partner|family|children|flatmates?|roommates?)|(?:my|the) (?:kids|wife|husband|"
        r"partner|family|children) and (?:i|me)|the (?:kids|children) (?:too|as well|also)|"
        r"(?:my|our) (?:whole )?(?:family|household)|others in the house|rest of the family)\b"
    ),
    "co_source": r"\bcarbon monoxide\b|\bboiler\b|\bgas (?:heater|fire|stove|leak)\b|\bheater\b|"
    r"\bheating\b|\bfurnace\b|\bgenerator\b|\bwood ?burner\b|\bfumes\b",
    "better_outside": r"\bbetter (?:when|once|after) (?:we|i) (?:go|get|leave|are) (?:out|"
    r"outside|away)|\bgo(?:es)? away (?:when|once) (?:we|i) (?:go out|leave)",
    "bladder": (
        r"\b(?:lost|losing|loss of|no|can(?:'t|not)|couldn't|unable to) (?:\w+ ){0,2}control "
        r"(?:of |over )?(?:my |his |her )?(?:bladder|bowels?|pee|wee|urine|peeing|toilet)\b|"
        r"\b(?:bladder|bowels?)\b.{0,25}\b(?:control|incontinen\w+|accident|gave way|not "
        r"working|stopped)\b|\bincontinen\w+|\bwet(?:ting)? (?:my|him|her)sel(?:f|ves)\b|"
        r"\bpee(?:d|ing)? "
        r"(?:my|him|her)sel(?:f|ves)\b|\bsoiled\b|\bpooed (?:my|him|her)sel|\bcan(?:'t|not) "
        r"(?:pee|wee|urinate|pass urine|go to the toilet|empty my bladder)\b|\b(?:can(?:'t|not)"
        r"|don't|do not|couldn't) feel (?:when|if|that) i (?:need|have) to (?:pee|wee|go)|"
        r"\burinary retention\b|\bcan(?:'t|not) (?:hold|feel) (?:my )?(?:pee|wee|urine|bladder)"
    ),
    "saddle": (
        r"\bsaddle\b|\bgroin\b.{0,25}\bnumb|\bnumb\w*\b.{0,40}\b(?:groin|genitals?|bottom|"
        r"buttocks|bum|between (?:my|the) legs|inner thighs?|private|crotch|perineum|anus)\b|"
        r"\b(?:can(?:'t|not)|couldn't) feel (?:anything )?(?:when i wipe|my (?:bottom|bum|"
        r"genitals|groin))|\bbetween (?:my|the) legs\b.{0,25}\bnumb|\bcan(?:'t|not) feel\b.{0,30}"
        r"\bwhen i wipe\b|\bwip(?:e|ing)\b.{0,30}\b(?:numb|can't feel|no feeling)"
    ),
    "back_or_legs": r"\bback\b|\bsciatica\b|\blegs?\b|\bspine\b|\blumbar\b",
    "named_emergency": (
        r"\b(?:i'?m|i am|i think i'?m|is|he'?s|she'?s|think (?:he|she|i)(?:'s| is| am|'m)) "
        r"(?:having|got|suffering) (?:a )?(?:stroke|brain (?:bleed|haemorrhage|hemorrhage)|"
        r"aneurysm|meningitis|seizure|heart attack)\b|\bthink (?:it'?s|this is) (?:a )?(?:stroke|"
        r"brain bleed|meningitis|aneurysm)\b|\b(?:brain bleed|bleed on the brain)\b"
    ),
}
SIGN_RES = {name: re.compile(pattern) for name, pattern in SIGNS.items()}

_NEGATION = re.compile(
    r"\b(?:no|not|never|without|none|nor|neither|denies|deny|haven't|hasn't|havent|hasnt|"
    r"didn't|didnt|don't|dont|doesn't|doesnt|isn't|isnt|aren't|arent|wasn't|wasnt|free of|"
    r"absence of|ruled out|rule out|negative for)\b"
)
# Context that makes a sentence about a symptom something other than "happening to me now".
_PERSONAL = re.compile(
    r"\b(?:i|i'm|im|i've|ive|i'd|my|me|mine|we|we're|our|us|he|he's|she|she's|his|her|him|"
    r"they|their|son|daughter|wife|husband|partner|mum|mom|dad|mother|father|child|kid|kids|"
    r"baby|boy|girl|friend|brother|sister|grandma|grandpa)\b"
)
_QUESTION_START = re.compile(
    r"^(?:what|when|which|how|why|who|is|are|can|could|does|do|should|would|will|where|"
    r"tell me|list|explain|signs|symptoms)\b"
)
_HYPOTHETICAL = re.compile(
    r"\bif (?:i|you|someone|a person|he|she|my|your|they|the)\b|\bwhat if\b|\bin case\b|"
    r"\bwhen (?:should|do|does|is|are|would) (?:i|you|someone|a|it)\b|\bshould i ever\b|"
    r"\bhow (?:do|would|can|could) (?:i|you) (?:know|tell)\b|\b(?:signs|symptoms) of\b|"
    r"\bwarning signs?\b|\bred flags?\b|\bcan (?:a|an|neck|chiropractic|the)\b.{0,40}\bcause\b"
    r"|\bis it (?:normal|common) (?:to|for)\b"
)
_ACUTE = re.compile(
    r"\bright now\b|\bjust now\b|\bnow\b|\btoday\b|\btonight\b|\bthis (?:morning|afternoon|"
    r"evening)\b|\b(?:an|one|two|\d+|few|couple of) (?:hours?|hrs?|mins?|minutes?) ago\b|"
    r"\bsince (?:this|lunch|breakfast|an hour|last night|yesterday|then|the|i woke)\w*|"
    r"\bsudden(?:ly)?\b|\bstarted (?:\w+ ){0,3}(?:ago|today|suddenly)\b|\bjust (?:started|"
    r"happened|began|came on)\b|\bcame on\b|\bkeeps? getting worse\b|\bgetting worse\b|"
    r"\bnew\b|\bthis week\b|\b(?:past|last) (?:few |couple of |\d )?days\b|\byesterday\b|"
    r"\blast night\b|\bat the moment\b|\bcurrently\b"
)
_LONG_STANDING = re.compile(
    r"\bfor (?:many |several |a few |a couple of |the last |the past |over |more than |about |"
    r"around )?(?:\d+ |two |three |four |five |six |ten )?(?:years?|months?|yrs)\b|\bfor ages"
    r"\b|\bsince (?:i was|childhood|my teens|\d{4})\b|\bon and off\b|\bchronic\b|\blong.?"
    r"standing\b|\byears? ago\b|\bmonths? ago\b|\b(?:doctor|gp|neurologist|physio\w*|"
    r"consultant|specialist|surgeon|chiropractor|physician|dentist)\b.{0,30}\b(?:said|says|"
    r"told|diagnosed|thinks|checked|confirmed|examined|ruled|sent|found)\b|\bwas diagnosed\b|"
    r"\b(?:had|got) it (?:checked|looked at|investigated)\b|\b(?:mri|scan|ct|x.?ray)\b.{0,20}"
    r"\b(?:showed|found|was|came back)\b|\bruled out\b|\balways (?:had|get)\b|\bused to\b|"
    r"\bevery (?:day|week|morning|afternoon|evening|night|time)\b|\bsometimes\b|\busually\b|"
    r"\boccasionally\b|\bonce in a while\b|\bnow and then\b|\bwhen i (?:look|turn|sit|sleep|"
    r"wake|work|read|type)\b"
)


# Only sentences with one of these words are compared with the red-flag examples.
_SYMPTOM_HINT = re.compile(
    r"\b(?:head\w*|neck|back|spine|face|arms?|legs?|hands?|fingers?|feet|eyes?|vision|sight|"
    r"see|seeing|speech|speak\w*|talk\w*|words?|pain\w*|ache\w*|hurt\w*|agony|numb\w*|weak\w*|"
    r"tingl\w*|dizz\w*|faint\w*|pass\w* out|collaps\w*|confus\w*|seiz\w*|fit|vomit\w*|sick|"
    r"throw\w* up|fever\w*|temp\w*|stiff\w*|rash\w*|spots|swell\w*|swollen|puffy|pregnan\w*|"
    r"bladder|bowel\w*|pee\w*|wee|urin\w*|groin|saddle|jaw|scalp|temples?|fell|fall\w*|hit|"
    r"bang\w*|crash\w*|accident|chiro\w*|manipulat\w*|adjust\w*|cancer|chemo\w*|immun\w*|"
    r"stroke|droop\w*|slurr\w*|drows\w*|sleepy|balance|unsteady|blurr\w*|double|blind|"
    r"bleed\w*|burst|explod\w*|sudden\w*|worst)\b"
)


def _is_negated(clause: str, start: int) -> bool:
    """A negation cue before the sign in its clause ("no fever", "I don't have numbness")."""
    before = clause[:start]
    return bool(_NEGATION.search(before[-60:]))


def find_signs(sentence: str) -> set[str]:
    """Signs asserted in one sentence (negated clauses dropped)."""
    found: set[str] = set()
    parts = clauses(sentence)
    for name, regex in SIGN_RES.items():
        # Signs spanning clauses (e.g. "fever, stiff neck") are searched in the whole sentence
        # too, but only count when no negation cue precedes them there.
        for part in parts:
            for m in regex.finditer(part):
                if not _is_negated(part, m.start()):
                    found.add(name)
                    break
            if name in found:
                break
    return found


def _sentence_context(sentence: str) -> str:
    """'general' (a question about signs in general), 'hypothetical', 'long' or 'now'."""
    acute = bool(_ACUTE.search(sentence))
    if (
        not _PERSONAL.search(sentence)
        and not acute
        and (sentence.rstrip().endswith("?") or _QUESTION_START.search(sentence))
    ):
        return "general"
    if _HYPOTHETICAL.search(sentence) and not re.search(
        r"\bright now\b|\bjust now\b|\bat the moment\b|\bcurrently\b|\bago\b|\btoday\b|"
        r"\bsince\b|\bthis (?:morning|afternoon|evening)\b",
        sentence,
    ):
        return "hypothetical"
    if _LONG_STANDING.search(sentence) and not acute:
        return "long"
    return "now"


# Combinations of signs that make an emergency (NICE CG150 headache red flags and the common
# neck and back red flags). Each is a list of alternatives; an alternative is a set of signs
# that must all be present in the message's "now" sentences.
RED_FLAG_RULES: dict[str, list[set[str]]] = {
    "named_emergency": [{"named_emergency"}],
    "thunderclap": [{"worst_headache"}, {"sudden", "severe_headache"}],
    "meningitis": [
        {"fever", "stiff_neck"},
        {"fever", "rash"},
        {"non_blanching_rash"},
        {"headache", "rash", "stiff_neck"},
        {"stiff_neck", "light_hurts", "headache"},
    ],
    "neurological": [
        {"weakness", "onset"},
        {"weakness", "sided"},
        {"weakness", "speech"},
        {"weakness", "numbness"},
        {"very_unwell"},
        {"face_droop"},
        {"speech"},
        {"confusion"},
        {"seizure"},
        {"faint"},
        {"double_vision"},
        {"vision_loss"},
        {"numbness"},
        {"hand_numbness", "onset"},
    ],
    "head_injury": [
        {"head_injury", "vomit"},
        {"head_injury", "drowsy"},
        {"head_injury", "confusion"},
        {"head_injury", "faint"},
        {"head_injury", "amnesia"},
        {"head_injury", "seizure"},
        {"head_injury", "severe_headache"},
    ],
    "neck_trauma": [
        {"trauma", "hand_numbness"},
        {"trauma", "weakness"},
        {"trauma", "numbness"},
    ],
    "manipulation": [
        {"manipulation", "dizzy"},
        {"manipulation", "visual_disturbance"},
        {"manipulation", "severe_headache"},
        {"manipulation", "speech"},
        {"manipulation", "double_vision"},
    ],
    "pregnancy": [
        {"pregnant", "headache", "swelling"},
        {"pregnant", "headache", "visual_disturbance"},
        {"pregnant", "swelling", "visual_disturbance"},
        {"pregnant", "severe_headache"},
    ],
    "immunocompromised": [{"immuno", "new_headache"}, {"immuno", "headache", "fever"}],
    "giant_cell_arteritis": [
        {"jaw_claudication", "scalp_tender"},
        {"jaw_claudication", "age_over_50"},
        {"scalp_tender", "age_over_50", "headache"},
        {"age_over_50", "new_headache", "visual_disturbance"},
        {"jaw_claudication", "visual_disturbance", "headache"},
    ],
    "carbon_monoxide": [
        {"group", "headache"},
        {"co_source", "headache", "better_outside"},
        {"co_source", "headache", "dizzy"},
        {"co_source", "headache", "vomit"},
    ],
    "cauda_equina": [{"bladder", "back_or_legs"}, {"saddle"}, {"bladder", "numbness"}],
}


def red_flag_rule(signs: set[str]) -> str | None:
    """The first red-flag rule these signs satisfy, or None."""
    for name, alternatives in RED_FLAG_RULES.items():
        if any(alt <= signs for alt in alternatives):
            return name
    return None


# ------------------------------------------------------------------------------ declines

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
    last = _normalise(previous[-1]) if previous else ""
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
    r" have\b|\bdiagnosed with\b.{0,60}\bwhat (?:does|is|do)\b|\bwhat does (?:it|that) mean\b"
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
    r"running|sports?)\b"
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
    return bool(_HEALTH.search(_normalise(previous[-1])))


# Greetings and questions about the assistant itself go on (retrieval answers or declines them).
_SMALL_TALK = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks?|thank you|cheers|ok|"
    r"okay|yes|no|bye|goodbye)\b|\b(?:who|what) are you\b|\bwhat can you (?:do|help)|\bare you "
    r"(?:a|an) (?:bot|robot|human|ai|person|real)\b|\bhow (?:does|do) (?:this|you) work\b"
)

# Language: non-Latin scripts, or common function words of other languages and none of English.
_FOREIGN_WORDS = set(
    [
        "el",
        "los",
        "las",
        "una",
        "unos",
        "por",
        "para",
        "con",
        "que",
        "qué",
        "como",
        "cómo",
        "dolor",
        "cabeza",
        "cuello",
        "espalda",
        "tengo",
        "estoy",
        "hace",
        "desde",
        "muy",
        "pero",
        "también",
        "puedo",
        "ayuda",
        "hola",
        "gracias",
        "necesito",
        "mucho",
        "le",
        "les",
        "des",
        "du",
        "est",
        "une",
        "avec",
        "pour",
        "mais",
        "je",
        "j'ai",
        "suis",
        "très",
        "mal",
        "tête",
        "nuque",
        "dos",
        "depuis",
        "bonjour",
        "merci",
        "aide",
        "quoi",
        "faire",
        "ça",
        "peux",
        "der",
        "das",
        "und",
        "ist",
        "ich",
        "nicht",
        "mit",
        "ein",
        "eine",
        "habe",
        "seit",
        "kopfschmerzen",
        "nacken",
        "rücken",
        "was",
        "kann",
        "hallo",
        "danke",
        "bitte",
        "ich",
        "habe",
        "mein",
        "meine",
        "sehr",
        "auch",
        "um",
        "uma",
        "com",
        "não",
        "está",
        "estou",
        "dor",
        "pescoço",
        "cabeça",
        "costas",
        "obrigado",
        "olá",
        "você",
        "il",
        "di",
        "che",
        "sono",
        "ho",
        "mal",
        "collo",
        "schiena",
        "testa",
        "ciao",
        "grazie",
        "aiuto",
        "molto",
        "het",
        "een",
        "ik",
        "niet",
        "hoofdpijn",
        "nek",
        "rug",
        "heb",
    ]
)
_ENGLISH_WORDS = set(
    [
        "the",
        "and",
        "is",
        "are",
        "i",
        "my",
        "me",
        "you",
        "your",
        "what",
        "how",
        "can",
        "do",
        "does",
        "have",
        "has",
        "with",
        "for",
        "of",
        "to",
        "it",
        "this",
        "that",
        "neck",
        "head",
        "headache",
        "back",
        "pain",
        "hi",
        "hello",
        "please",
        "help",
        "thanks",
        "should",
        "when",
        "why",
        "which",
        "there",
        "was",
    ]
)


def _letters_share_non_latin(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    non_latin = sum(1 for c in letters if "LATIN" not in unicodedata.name(c, ""))
    return non_latin / len(letters)


def is_foreign(text: str) -> bool:
    if _letters_share_non_latin(text) > 0.5:
        return True
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.lower())
    if not words:
        return False
    foreign = sum(1 for w in words if w in _FOREIGN_WORDS)
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    accented = bool(re.search(r"[áéíóúñçãõâêôàèìòùäöüßœ¿¡]", text.lower()))
    if foreign >= 2 and foreign > 2 * english:
        return True
    return foreign >= 1 and english == 0 and accented


# ---------------------------------------------------------------------------- answer side

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
    text = _normalise(sentence)
    return bool(_ANSWER_DOSE.search(text) or _ANSWER_DIAGNOSIS.search(text))


# ------------------------------------------------------------------------------ the guard


class Guard:
    """Decides, before retrieval, whether a message gets an emergency or a decline reply."""

    def __init__(self, embeddings, texts_dir: Path | None = None):
        self.embeddings = embeddings
        self.vocab = self._vocab(embeddings)
        self.red_flags = read_examples("red-flags.txt", texts_dir)
        self.not_red_flags = read_examples("not-red-flags.txt", texts_dir)
        self.off_topic = read_examples("off-topic.txt", texts_dir)
        self.in_scope = read_examples("in-scope.txt", texts_dir)
        if embeddings is not None:
            self.red_vecs = self._encode(self.red_flags)
            self.not_red_vecs = self._encode(self.not_red_flags)
            self.off_vecs = self._encode(self.off_topic)
            self.in_vecs = self._encode(self.in_scope)

    @staticmethod
    def _vocab(embeddings) -> set[str] | None:
        try:
            return set(embeddings.tokenizer.vocab)
        except AttributeError:
            return None

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.asarray(self.embeddings.encode(texts), dtype=np.float32)

    # -- public API

    def check(self, message: str, history: list[dict] | None = None) -> Verdict | None:
        """Verdict("emergency"), Verdict("decline", reason) or None (go on to retrieval)."""
        raw = message_text(message)
        text = _normalise(raw).strip()
        if not re.search(r"[^\W_]", text):
            return Verdict("decline", "empty")
        if is_foreign(text):
            return Verdict("decline", "language")
        if self._gibberish(text):
            return Verdict("decline", "empty")
        if self.is_emergency(text) or any(
            self.is_emergency(_normalise(earlier)) for earlier in user_messages(history)
        ):
            return Verdict("emergency")
        if _INJECTION.search(text):
            return Verdict("decline", "injection")
        if _is_dose_question(text, history):
            return Verdict("decline", "dose")
        if _DIAGNOSIS.search(text) and not _DIAGNOSIS_EXCEPT.search(text):
            return Verdict("decline", "diagnosis")
        if self._off_topic(text) and not _continues_health_topic(text, history):
            return Verdict("decline", "off_topic")
        return None

    def explain(self, message: str) -> dict:
        """The signs, rule and best similarity found in a message (for tuning and tests)."""
        text = fix_typos(_normalise(message_text(message)), self.vocab)
        out = []
        for sentence in sentences(text):
            out.append(
                {
                    "sentence": sentence,
                    "context": _sentence_context(sentence),
                    "signs": sorted(find_signs(sentence)),
                }
            )
        return {"sentences": out, "similar": self._similar_red_flag(text, debug=True)}

    # -- emergency

    def is_emergency(self, text: str) -> bool:
        if not text.strip():
            return False
        text = fix_typos(text, self.vocab)
        signs: set[str] = set()
        recurring: set[str] = set()
        for sentence in sentences(text):
            context = _sentence_context(sentence)
            if context == "long":
                # A recurring pattern is what carbon monoxide looks like; other red flags need
                # something new.
                recurring |= find_signs(sentence)
                continue
            if context != "now":
                continue
            found = find_signs(sentence)
            # The same rule checked inside each sentence, and over the whole message.
            if red_flag_rule(found):
                return True
            signs |= found
        # Signs across sentences: only the combinations, not single neurological signs, which
        # must stand in one sentence (already checked above).
        if red_flag_rule(signs):
            return True
        if any(alt <= signs | recurring for alt in RED_FLAG_RULES["carbon_monoxide"]):
            return True
        return bool(self._similar_red_flag(text))

    def _similar_red_flag(self, text: str, debug: bool = False):
        if self.embeddings is None or not self.red_flags:
            return None
        candidates = []
        for sentence in sentences(text):
            if _sentence_context(sentence) != "now":
                continue
            kept = [c for c in clauses(sentence) if not _NEGATION.search(c) and len(c.split()) >= 2]
            if kept:
                candidates.append(", ".join(kept))
        candidates = [c for c in dict.fromkeys(candidates) if _SYMPTOM_HINT.search(c)]
        if not candidates:
            return None
        vecs = self._encode(candidates[:16])
        pos = vecs @ self.red_vecs.T
        neg = vecs @ self.not_red_vecs.T if len(self.not_red_flags) else np.zeros_like(pos)
        best_pos = pos.max(axis=1)
        best_neg = neg.max(axis=1)
        hits = (best_pos >= RED_FLAG_SIMILARITY) & (best_pos - best_neg >= RED_FLAG_MARGIN)
        if debug:
            return [
                (c, round(float(p), 3), self.red_flags[int(i)], round(float(n), 3))
                for c, p, i, n in zip(
                    candidates, best_pos, pos.argmax(axis=1), best_neg, strict=False
                )
            ]
        return bool(hits.any())

    # -- declines

    def _gibberish(self, text: str) -> bool:
        words = re.findall(r"[a-z]+", text)
        if not words:
            # Letters of no script we read as words, or digits only.
            return not re.search(r"[^\W\d_]", text) and len(text) < 40
        if len(words) > 8 or self.vocab is None:
            return False
        known = sum(1 for w in words if w in self.vocab or _correct_word(w) != w)
        return known / len(words) < 0.34

    def _off_topic(self, text: str) -> bool:
        if _HEALTH.search(text) or _SMALL_TALK.search(text):
            return False
        if _OFF_TOPIC.search(text):
            return True
        if self.embeddings is None or not self.off_topic:
            return False
        vec = self._encode([text])[0]
        off = float((self.off_vecs @ vec).max())
        inside = float((self.in_vecs @ vec).max()) if len(self.in_scope) else 0.0
        return off >= OFF_TOPIC_SIMILARITY and off - inside >= OFF_TOPIC_MARGIN
