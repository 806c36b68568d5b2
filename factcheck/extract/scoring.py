"""The kind of a claim and a transparent first guess at how check-worthy it is.

The score is a weighted sum of named, visible features (WEIGHTS); bench/checkworthiness.py
measures how well it ranks labelled sentences. Most patterns run on the lower-cased text.
"""

from __future__ import annotations

import re

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
_MAGNITUDE = re.compile(
    r"\b(?:hundreds?|thousands?|millions?|billions?|trillions?|percent|half|third|quarter"
    r"|twice|doubled|tripled)\b"
)
_MONEY = re.compile(r"[$€£¥]|\b(?:dollars|euros|pounds)\b")
_TIME_REFERENCE = re.compile(r"\b(?:19|20)\d\d\b|\blast\s+year\b|\byears?\s+ago\b")
_FACTUAL_VERB = re.compile(
    r"\b(?:was|were|had|did|voted|passed|signed|cut|raised|lost|created|spent|killed|died|rose"
    r"|fell|increased|decreased|grew|won)\b"
)
_TREND = re.compile(
    r"\b(?:more|less|fewer|most|least|higher|lower|largest|biggest|highest|lowest|record"
    r"|increased?|decreased?|doubled|rose|fell|grew|up|down)\b"
)
# Subjects where claims are usually checkable facts: money, jobs, prices, deaths, votes.
_PUBLIC_TOPIC = re.compile(
    r"\b(?:tax(?:es)?|jobs?|unemployment|deficit|debt|budget|spending|wages?|income|economy"
    r"|health\s?care|insurance|oil|energy|crime|nuclear|military|troops|war|law|bill|votes?"
    r"|voted|prices?|inflation|deaths?|killed|percent|million|billion)\b"
)
_FIRST_PERSON_OPINION = re.compile(
    r"\b(?:i|we)\s+(?:think|believe|feel|hope|guess|suppose|want|know)\b"
    r"|\bin\s+my\s+(?:view|opinion)\b"
)
_FIRST_PERSON = re.compile(r"\b(?:i|i['’]m|i['’]ve|my|me)\b")
_MODAL = re.compile(
    r"\b(?:will|should|must|shall|would|need\s+to|going\s+to|gonna|want\s+to|let['’]s)\b"
    r"|['’]ll\b"
)
_HEDGE = re.compile(r"\b(?:may|might|could|perhaps|possibly|probably|maybe|likely)\b")
_FILLER = re.compile(r"^(?:well|look|now|yes|no|oh|thank|okay|ok)\b|\bthank\s+you\b|\byou\s+know\b")
_EVALUATIVE = re.compile(
    r"\b(?:great|terrible|wonderful|disaster|important|proud|love|best|worst|wrong|right|good"
    r"|bad)\b"
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
    lowered = text.lower()
    if _NUMBER.search(lowered):
        return bool(_STATISTIC.search(lowered) or _MULTIPLIED.search(lowered))
    return bool(_MULTIPLIED.search(lowered))


def claim_kind(text: str, *, quoted: bool, attributed: bool) -> str:
    if quoted and attributed:
        return "quote"
    if is_statistic(text):
        return "statistic"
    return "paraphrase" if attributed else "statement"


def checkworthiness_features(text: str, *, attributed: bool) -> dict[str, float]:
    """The features the score adds up, each between 0 and 1."""
    lowered = text.lower()
    words = word_count(text)
    return {
        "number": float(bool(_NUMBER.search(text))),
        "statistic": float(is_statistic(text)),
        "magnitude": float(bool(_MAGNITUDE.search(lowered))),
        "money": float(bool(_MONEY.search(lowered))),
        "time_reference": float(bool(_TIME_REFERENCE.search(lowered))),
        "factual_verb": float(bool(_FACTUAL_VERB.search(lowered))),
        "trend": float(bool(_TREND.search(lowered))),
        "public_topic": float(bool(_PUBLIC_TOPIC.search(lowered))),
        "named": min(3, len(_NAMED.findall(text))) / 3,
        "attributed": float(attributed),
        "length": min(1.0, words / _LONG),
        "first_person_opinion": float(bool(_FIRST_PERSON_OPINION.search(lowered))),
        "first_person": float(bool(_FIRST_PERSON.search(lowered))),
        "modal": float(bool(_MODAL.search(lowered))),
        "hedge": float(bool(_HEDGE.search(lowered))),
        "question": float(is_question(text)),
        "short": float(words < _SHORT),
        "filler": float(bool(_FILLER.search(lowered))),
        "evaluative": float(bool(_EVALUATIVE.search(lowered))),
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
