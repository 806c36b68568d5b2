"""Who a page gives a quotation to, and whether two names of people may be one person.

Only a name the page writes next to the quotation counts (see `speaker_of`); a group, a
pronoun or an organisation is compared with no one. Plain Python.
"""

from __future__ import annotations

import unicodedata

from rapidfuzz import fuzz

from factcheck.crossref.passages import Page, Passage
from factcheck.crossref.terms import tokens
from factcheck.extract import ExtractedClaim, extract
from factcheck.extract.sentences import quote_spans
from factcheck.extract.speakers import QUOTE_MASK, classify, find_speaker
from factcheck.outlets.registry import Registry

# Speakers compared: only two people named by the extractor's rules (a group, a pronoun
# or an organisation is not compared with anyone).
PEOPLE = frozenset({"person", "surname"})


def person(name: str) -> str | None:
    """`name` as the extractor names a person ("Minister Anna Kowalski" -> "Anna
    Kowalski"); None for a group, an organisation or a pronoun."""
    found = classify(name)
    return found.name if found is not None and found.kind in PEOPLE else None


def mask_quotations(text: str) -> str:
    """`text` with the words inside its quotation marks replaced by QUOTE_MASK, as the
    extractor's attribution rules expect (same length: offsets stay)."""
    masked = text
    for start, end in quote_spans(text):
        masked = masked[:start] + QUOTE_MASK * (end - start) + masked[end:]
    return masked


def claim_speaker(claim_text: str) -> str | None:
    """The person a claim's words are attributed to, its quotations left out."""
    found = find_speaker(mask_quotations(claim_text))
    return person(found.name) if found is not None else None


def speaker_of(page: Page, registry: Registry, span: tuple[int, int]) -> str | None:
    """The person the page explicitly gives the words at `span` to, by the extractor's
    rules: the speaker of the sentences holding them, or, when the extractor gives those
    none, of a short attribution right after them in the same paragraph (a quotation
    ending in its own sentence: "... in full." Kowalski told reporters). Only a name
    written there counts: a "she said" resolved from earlier paragraphs may be someone
    else."""
    sentences = _sentences_said(page, registry)
    holding = _holding(sentences, span)
    if not any(s.speaker for s in holding):
        end = span[1]
        holding = [
            s
            for s in sentences
            if 0 <= s.start - end <= _ATTRIBUTION_GAP
            and "\n" not in page.text[end : s.start]
            and len(s.text.split()) <= _ATTRIBUTION_WORDS
        ][:1]
    for sentence in holding:
        said_by = person(sentence.speaker) if sentence.speaker else None
        if said_by is not None and name_words(said_by)[-1] in _written_names(page, sentence):
            return said_by
    return None


def _holding(sentences: tuple[ExtractedClaim, ...], span: tuple[int, int]) -> list[ExtractedClaim]:
    """The sentences that hold some of the words at `span`."""
    start, end = span
    return [s for s in sentences if s.start < end and start < s.end]


def _written_names(page: Page, sentence: ExtractedClaim) -> set[str]:
    return set(name_words(_outside_quotes(page, sentence)))


# A separate attribution sentence starts this close after the quotation and is this short.
_ATTRIBUTION_GAP = 3
_ATTRIBUTION_WORDS = 12


def _sentences_said(page: Page, registry: Registry) -> tuple[ExtractedClaim, ...]:
    """The page's sentences with the speakers the extractor gives them, read once per
    page (and registry); none when the extractor's text is not the page's own."""
    known = page.said.get(id(registry))
    if known is None or known[0] is not registry:
        extraction = extract(page.text, registry=registry)
        claims = extraction.claims if extraction.text == page.text else ()
        known = page.said[id(registry)] = (registry, claims)
    return known[1]


def _outside_quotes(page: Page, sentence: ExtractedClaim) -> str:
    """The sentence's words outside quotation marks, the marks found in its paragraph
    (a sentence may start inside a quotation that opened before it)."""
    line = next(
        (p.passage for p in page.passages if p.passage.start <= sentence.start < p.passage.end),
        Passage(sentence.text, sentence.start, sentence.end),
    )
    masked = mask_quotations(line.text)
    return masked[sentence.start - line.start : sentence.end - line.start]


def named_with(person: str, page: Page, registry: Registry, span: tuple[int, int]) -> bool:
    """Whether `person` is named, outside the quotation, in the sentence that holds the
    words at `span`: the page may then report that person's words through someone else
    ("According to Baxter, Moreau told him: ...")."""
    surname = name_words(person)[-1]
    holding = _holding(_sentences_said(page, registry), span)
    return any(surname in _written_names(page, s) for s in holding)


_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Two spellings of one surname (Zelensky, Zelenskyy) are this close (rapidfuzz ratio).
SAME_SURNAME_RATIO = 85


def name_words(name: str) -> list[str]:
    """A name's words, folded, without diacritics ("Erdoğan" is "erdogan"), initials or
    suffixes ("Jr.")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return [t.norm for t in tokens(plain) if len(t.norm) > 1 and t.norm not in _NAME_SUFFIXES] or [
        t.norm for t in tokens(plain)
    ]


def same_person(one: str, other: str) -> bool:
    """Whether two names of people may be one person: one holds the other's words ("Xi"
    and "Xi Jinping", "Rodríguez Zapatero"), or their surnames match (spelt alike) and
    their first names, when both give one, start alike (Joe and Joseph Biden; not Anna
    and Marcus Kowalski). Uncertain cases count as the same: a false alarm costs more."""
    first, second = name_words(one), name_words(other)
    if not first or not second:
        return True
    if set(first) <= set(second) or set(second) <= set(first):
        return True
    if fuzz.ratio(first[-1], second[-1]) < SAME_SURNAME_RATIO:
        return False
    return len(first) < 2 or len(second) < 2 or first[0][0] == second[0][0]
