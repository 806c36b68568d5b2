"""Words of a claim worth searching and matching on: tokens with offsets, quoted passages,
names, numbers and rare words, with stop words dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass

from factcheck.extract.lexicon import SPEAKER_NOUNS, TITLE_WORDS, words
from factcheck.extract.sentences import quote_spans

# A word, a number with its separators ("3,000", "1.5"), or an abbreviation ("U.S.").
# Hyphens separate words, so that "US-led" and "U.S.-led" share theirs.
_TOKEN = re.compile(r"(?:[^\W_]\.){2,}|\d+(?:[.,]\d+)*|[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
# The shortest quotation matched as a quote; shorter ones ("unity", "a few") are scare
# quotes or fragments that bear no more than their words.
MIN_QUOTE_WORDS = 3
# A word this long that is not a stop word is "rare" enough to search for.
MIN_RARE_WORD_LENGTH = 5

STOP_WORDS = words(
    """a about above after again against all almost also although am among an and another any
    are around as at be became because been before being below between both but by can could
    did do does doing down during each either else even ever every few for from further had
    has have having he her here hers herself him himself his how however i if in into is it
    its itself just last least less like made make many may me might more most much must my
    myself near neither never next no nor not now of off often on once one only or other our
    ours out over own per perhaps rather really said same say says several she should since
    so some still such than that the their theirs them themselves then there these they this
    those though through thus to today told too toward towards under until up upon very
    was we were what whatever when where whether which while who whom whose why will with
    within without would yet you your yesterday week weeks year years day days time times
    mr mrs ms dr told tell tells according reported report reports news agency source sources
    new first monday tuesday wednesday thursday friday saturday sunday"""
)


# Capitalised only because they open a sentence: not names.
_COMMON_OPENERS = (
    STOP_WORDS
    | SPEAKER_NOUNS
    | TITLE_WORDS
    | words(
        """earlier later meanwhile separately asked speaking asked many some several both
    analysts critics officials"""
    )
)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a text: `norm` for comparing, `start`/`end` its offsets in the text."""

    norm: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """The words and numbers of `text`, folded for comparison, with their offsets."""
    return [Token(_fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _fold(word: str) -> str:
    word = word.casefold().replace("’", "'")
    if word[0].isdigit():
        return word.replace(",", "")
    # "U.S." and "US" are the same name; a possessive is its noun.
    return _POSSESSIVE.sub("", word.replace(".", ""))


def stem(word: str) -> str:
    """A folded word without its plural "s", so "diplomats" meets "diplomat". Crude on
    purpose: it only has to make two retellings of one story share their words."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """The stems of the words of `text` without stop words, in order, repeats kept."""
    return [stem(t.norm) for t in tokens(text) if t.norm not in STOP_WORDS]


def quotations(text: str) -> list[str]:
    """The quotations of `text` long enough to be matched as quotes, without their marks."""
    found = []
    for start, end in quote_spans(text):
        inner = text[start:end].strip("“”„«»\"‘’' \n")
        if len(tokens(inner)) >= MIN_QUOTE_WORDS:
            found.append(inner)
    return found


def numbers(text: str) -> set[str]:
    """The numbers of `text`, without thousands separators ("3,000" -> "3000")."""
    return {t.norm for t in tokens(text) if t.norm[0].isdigit()}


def names(text: str) -> set[str]:
    """Folded capitalised words, the names of people, places and organisations roughly.
    A word that opens a sentence counts unless it is a common word ("Diplomats said")."""
    found = set()
    for match in _TOKEN.finditer(text):
        word, folded = match.group(), _fold(match.group())
        if not word[0].isupper() or folded in STOP_WORDS:
            continue
        opens_sentence = re.search(r"(?:^|[.!?]\s+|[“\"‘]\s*)$", text[: match.start()])
        if word.isupper() or not opens_sentence or folded not in _COMMON_OPENERS:
            found.add(folded)
    return found


def key_terms(text: str, limit: int = 8) -> list[str]:
    """The words a search for `text` should use, as written: names first, then numbers,
    then rare words, each in order of appearance, at most `limit`, no repeats."""
    name_set, number_set = names(text), numbers(text)
    ranked: dict[str, tuple[int, int, str]] = {}
    for position, match in enumerate(_TOKEN.finditer(text)):
        word, folded = match.group(), _fold(match.group())
        if folded in STOP_WORDS or folded in ranked:
            continue
        if folded in name_set:
            group = 0
        elif folded in number_set:
            group = 1
        elif len(folded) >= MIN_RARE_WORD_LENGTH:
            group = 2
        else:
            continue
        ranked[folded] = (group, position, _POSSESSIVE.sub("", word))
    return [word for _group, _position, word in sorted(ranked.values())][:limit]
