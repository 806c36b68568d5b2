"""Quotation-aware sentence splitting.

A quote of several sentences is split into its sentences (each is checked on its own),
but the quote spans are kept so that attribution can reach every sentence of a quote.
A closing quotation mark stays with the sentence it closes, and abbreviations such as
"U.S.", "Mr." or an initial do not end a sentence.
"""

from __future__ import annotations

import re

from factcheck.extract.lexicon import words
from factcheck.extract.text import Span

_CANDIDATE_END = re.compile(r"(?:[.!?]+|…|\.\.\.)[”’\"»)\]]*(?=\s+[“‘\"«(\[]?[A-Z0-9])")
# Titles, months and company suffixes that are followed by a capital mid-sentence.
_ABBREVIATIONS = words(
    "Mr Mrs Ms Mx Dr Prof Gen Col Lt Sgt Capt Cmdr Adm Maj Brig Gov Sen Rep Rev Fr St Jr Sr "
    "Mt Ft No Nos Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Inc Corp Co Ltd Bros Dept "
    "Pres Hon Supt Insp Det Cpl Pvt Messrs Mme Mlle vs v Vol Fig Art Ave Blvd"
)
_NEXT_WORD = re.compile(r"\s*[“‘\"«(\[]?(\w+)")
_DOTTED = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")
# After "U.S." or "p.m." these words show that a new sentence did begin.
_SENTENCE_STARTERS = words(
    "The He She It They We I But This That These Those A An In On At After However Meanwhile "
    "There His Her Their Its"
)
# '“Why now?” Smith asked.' is one sentence although a capital follows the question mark.
_ATTRIBUTION_TAIL = re.compile(
    r"^[A-Z][\w.'’ -]{0,60}?\b(?:said|says|asked|asks|added|adds|told|replied|wrote|explained"
    r"|continued|insisted|shouted)\b[^“”\"]{0,80}[.!?]$"
)

_QUOTE_MARK = re.compile(r"[“„«”»\"‘’']")
_OPEN_DOUBLE = "“„«"
_CLOSE_DOUBLE = "”»"


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the top-level quotations in a paragraph; an open quote runs to its end."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    closer = ""
    for mark in _QUOTE_MARK.finditer(text):
        i, char = mark.start(), mark.group()
        if opened is None:
            closer = _opening(text, i, char)
            if closer:
                opened = i
        elif _closes(text, i, char, closer):
            spans.append((opened, i + 1))
            opened = None
    if opened is not None:
        spans.append((opened, len(text)))
    return spans


def _opening(text: str, i: int, char: str) -> str:
    """The characters that close a quote opened at `i`, or "" when none opens there."""
    if char in _OPEN_DOUBLE:
        return _CLOSE_DOUBLE + "“" if char == "„" else _CLOSE_DOUBLE
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if char == '"':
        return '"'
    if char in "‘'" and (before.isspace() or before in "([—–-") and after.isalnum():
        return "’'"
    return ""


def _closes(text: str, i: int, char: str, closer: str) -> bool:
    if char not in closer:
        return False
    if char in "’'":
        # An apostrophe inside a word ("NATO’s") does not close a single quote.
        after = text[i + 1] if i + 1 < len(text) else " "
        return not after.isalpha()
    return True


def split_sentences(paragraph: Span) -> list[Span]:
    """The sentences of one paragraph, as spans of the document."""
    text = paragraph.text
    starts = [0]
    for match in _CANDIDATE_END.finditer(text):
        if _ends_sentence(text, match):
            starts.append(match.end())
    bounds = list(zip(starts, [*starts[1:], len(text)], strict=True))
    sentences = [paragraph.cut(start, end) for start, end in bounds]
    return _merge_attribution_tails([s for s in sentences if s.text], paragraph)


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    if not match.group().startswith(".") or match.group().startswith("..."):
        return True
    before = text[: match.start()].rsplit(None, 1)
    if not before:
        return True
    word = before[-1].lstrip('“‘"«([')
    if word in ("No", "Nos"):
        # "No. 10 Downing Street", but "No. Not a single truck ..." ends a sentence.
        return not text[match.end() :].lstrip()[:1].isdigit()
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
        return False
    if _DOTTED.match(word):
        return _next_word(text, match.end()) in _SENTENCE_STARTERS
    return True


def _next_word(text: str, position: int) -> str:
    match = _NEXT_WORD.match(text, position)
    return match.group(1) if match else ""


def _merge_attribution_tails(sentences: list[Span], paragraph: Span) -> list[Span]:
    merged: list[Span] = []
    for sentence in sentences:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.text[-1] in '”"’'
            and previous.text[-2:-1] in ("?", "!")
            and _ATTRIBUTION_TAIL.match(sentence.text)
        ):
            offset = paragraph.start
            merged[-1] = paragraph.cut(previous.start - offset, sentence.end - offset)
        else:
            merged.append(sentence)
    return merged
