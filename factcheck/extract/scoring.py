"""The kind of a claim and a transparent first guess at how check-worthy it is.

The weights are deliberately simple and visible; calibrating them is separate work.
Patterns run on the lower-cased sentence.
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
_FACTUAL_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|killed|died|rose|fell|increased|decreased|grew|won"
    r"|lost|signed|announced|approved|rejected|voted|arrested|launched|joined|confirmed)\b"
)
_FIRST_PERSON_OPINION = re.compile(
    r"\b(?:i|we)\s+(?:think|believe|feel|hope|guess|suppose)\b|\bin\s+my\s+(?:view|opinion)\b"
)
_HEDGE = re.compile(r"\b(?:may|might|could|perhaps|possibly|probably|maybe|likely)\b")
_QUOTED_QUESTION_TAIL = re.compile(r"\?[”’\"»]\s*(?P<tail>[^“”\"]*)$")
_ATTRIBUTION_TAIL_WORDS = 12
_SHORT = 8


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


def checkworthiness(text: str, *, attributed: bool) -> float:
    lowered = text.lower()
    score = 0.4
    score += 0.15 if _NUMBER.search(text) else 0.0
    score += 0.1 if is_statistic(text) else 0.0
    score += min(0.15, 0.05 * len(_NAMED.findall(text)))
    score += 0.1 if attributed else 0.0
    score += 0.05 if _FACTUAL_VERB.search(lowered) else 0.0
    score -= 0.25 if _FIRST_PERSON_OPINION.search(lowered) else 0.0
    score -= 0.1 if _HEDGE.search(lowered) else 0.0
    score -= 0.3 if is_question(text) else 0.0
    score -= 0.2 if word_count(text) < _SHORT else 0.0
    return round(min(1.0, max(0.0, score)), 2)


def is_question(text: str) -> bool:
    """A question, or a quoted question with its attribution ('“Why?” she asked.')."""
    if text.rstrip('”’"»)] ').endswith("?"):
        return True
    if "?" not in text:
        return False
    tail = _QUOTED_QUESTION_TAIL.search(text)
    return tail is not None and word_count(tail.group("tail")) <= _ATTRIBUTION_TAIL_WORDS
