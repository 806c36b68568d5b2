"""The kind of a claim and a transparent first guess at how check-worthy it is.

The score is a weighted sum of named, visible features (WEIGHTS); bench/checkworthiness.py
measures how well it ranks labelled sentences. Most patterns run on the lower-cased text.
"""

from __future__ import annotations

import re

from factcheck.extract.lexicon import words
from factcheck.extract.text import word_count

_NUMBER = re.compile(r"\d")
_STATISTIC = re.compile(
    r"\d[\d.,]*\s*(?:%|per\s*cent\b|percent\b|percentage\s+points?\b)"
    r"|[$€£¥]\s*\d|\b\d[\d.,]*\s*(?:dollars|euros|pounds|yuan|rupees|roubles|rubles)\b"
    r"|\b\d[\d.,]*\s*(?:thousand|million|billion|trillion|bn)\b"
    r"|\b\d{1,3}(?:,\d{3})+\b|\b\d+\.\d+\b|\b(?!(?:19|20)\d\d\b)\d{3,}\b"
)
_MULTIPLIED = re.compile(r"\b(?:doubled|tripled|halved|quadrupled)\b")
_NAMED = re.compile(r"(?<=\s)[A-Z][\w’'-]+")
# Single words are looked up in the set of the sentence's words, which is much faster
# than a regular expression per feature; phrases are searched only when a word of theirs
# is there.
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_MAGNITUDE = words(
    "hundred hundreds thousand thousands million millions billion billions trillion trillions "
    "percent half third quarter twice doubled tripled"
)
_MONEY_WORDS = words("dollars euros pounds")
_CURRENCY = frozenset("$€£¥")
_TIME_REFERENCE = re.compile(r"\b(?:19|20)\d\d\b|\blast\s+year\b|\byears?\s+ago\b")
_FACTUAL_VERB = words(
    "was were had did voted passed signed cut raised lost created spent killed died rose fell "
    "increased decreased grew won"
)
_TREND = words(
    "more less fewer most least higher lower largest biggest highest lowest record increase "
    "increased decrease decreased doubled rose fell grew up down"
)
# Subjects where claims are usually checkable facts: money, jobs, prices, deaths, votes.
_PUBLIC_TOPIC = words(
    "tax taxes job jobs unemployment deficit debt budget spending wage wages income economy "
    "healthcare insurance oil energy crime nuclear military troops war law bill vote votes "
    "voted price prices inflation death deaths killed percent million billion"
)
_FIRST_PERSON_OPINION = re.compile(
    r"\b(?:i|we)\s+(?:think|believe|feel|hope|guess|suppose|want|know)\b"
    r"|\bin\s+my\s+(?:view|opinion)\b"
)
_FIRST_PERSON = words("i i'm i've my me")
_MODAL = words("will should must shall would gonna let's i'll we'll you'll they'll he'll she'll")
_MODAL_PHRASE = re.compile(r"\b(?:need|going|want)\s+to\b")
_HEDGE = words("may might could perhaps possibly probably maybe likely")
_FILLER = re.compile(r"(?:well|look|now|yes|no|oh|thank|okay|ok)\b")
_FILLER_PHRASE = re.compile(r"\bthank\s+you\b|\byou\s+know\b")
_EVALUATIVE = words(
    "great terrible wonderful disaster important proud love best worst wrong right good bad"
)
_QUOTED_QUESTION_TAIL = re.compile(r"\?[”’\"»]\s*(?P<tail>[^“”\"]*)$")
_ATTRIBUTION_TAIL_WORDS = 12
_SHORT = 8
_LONG = 40

# The check-worthiness score is 0.4 plus the weights of the features a sentence has,
# clipped to [0, 1]. Weights were chosen by coordinate search on average precision over
# labelled debate sentences (bench/checkworthiness.py prints the figure); "attributed"
# and "named" are scaled features, the others are present or not.
BASE = 0.4
WEIGHTS = {
    "number": 0.10,
    "statistic": 0.10,
    "magnitude": 0.15,
    "money": 0.05,
    "time_reference": 0.05,
    "factual_verb": 0.05,
    "trend": 0.05,
    "public_topic": 0.05,
    "named": 0.10,
    "attributed": 0.10,
    "length": 0.10,
    "first_person_opinion": -0.15,
    "first_person": -0.05,
    "modal": -0.05,
    "hedge": -0.10,
    "question": -0.20,
    "short": -0.05,
    "filler": -0.05,
    "evaluative": -0.05,
}


def is_statistic(text: str) -> bool:
    if _NUMBER.search(text):
        lowered = text.lower()
        return bool(_STATISTIC.search(lowered) or _MULTIPLIED.search(lowered))
    return _MULTIPLIED.search(text.lower()) is not None


def claim_kind(text: str, *, quoted: bool, attributed: bool) -> str:
    if quoted and attributed:
        return "quote"
    if is_statistic(text):
        return "statistic"
    return "paraphrase" if attributed else "statement"


def checkworthiness_features(text: str, *, attributed: bool) -> dict[str, float]:
    """The features the score adds up, each between 0 and 1."""
    lowered = text.lower().replace("’", "'")
    tokens = set(_WORD.findall(lowered))
    words_in_text = word_count(text)
    has_number = _NUMBER.search(text) is not None
    return {
        "number": float(has_number),
        "statistic": float(is_statistic(text)),
        "magnitude": float(not _MAGNITUDE.isdisjoint(tokens)),
        "money": float(not _MONEY_WORDS.isdisjoint(tokens) or not _CURRENCY.isdisjoint(text)),
        "time_reference": float(
            (has_number or "year" in tokens or "years" in tokens)
            and _TIME_REFERENCE.search(lowered) is not None
        ),
        "factual_verb": float(not _FACTUAL_VERB.isdisjoint(tokens)),
        "trend": float(not _TREND.isdisjoint(tokens)),
        "public_topic": float(not _PUBLIC_TOPIC.isdisjoint(tokens)),
        "named": min(3, len(_NAMED.findall(text))) / 3,
        "attributed": float(attributed),
        "length": min(1.0, words_in_text / _LONG),
        "first_person_opinion": float(
            ("i" in tokens or "we" in tokens or "my" in tokens)
            and _FIRST_PERSON_OPINION.search(lowered) is not None
        ),
        "first_person": float(not _FIRST_PERSON.isdisjoint(tokens)),
        "modal": float(
            not _MODAL.isdisjoint(tokens)
            or ("to" in tokens and _MODAL_PHRASE.search(lowered) is not None)
        ),
        "hedge": float(not _HEDGE.isdisjoint(tokens)),
        "question": float(is_question(text)),
        "short": float(words_in_text < _SHORT),
        "filler": float(
            _FILLER.match(lowered) is not None
            or ("you" in tokens and _FILLER_PHRASE.search(lowered) is not None)
        ),
        "evaluative": float(not _EVALUATIVE.isdisjoint(tokens)),
    }


def checkworthiness(text: str, *, attributed: bool) -> float:
    features = checkworthiness_features(text, attributed=attributed)
    score = BASE + sum(WEIGHTS[name] * value for name, value in features.items())
    return round(min(1.0, max(0.0, score)), 2)


def is_question(text: str) -> bool:
    """A question, or a quoted question with its attribution ('“Why?” she asked.')."""
    if text.rstrip('”’"»)] ').endswith("?"):
        return True
    if "?" not in text:
        return False
    tail = _QUOTED_QUESTION_TAIL.search(text)
    return tail is not None and word_count(tail.group("tail")) <= _ATTRIBUTION_TAIL_WORDS
