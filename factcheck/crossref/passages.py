"""Pages read for alignment: a fetched page's readable text, cut into passages, each with
its words, stems and quotations worked out once for every claim aligned with it.

Plain Python, as the rest of `factcheck.crossref`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from factcheck.crossref.terms import Token, stem, tokens
from factcheck.extract import ExtractedClaim, to_document
from factcheck.extract.sentences import quote_spans, split_sentences
from factcheck.extract.text import lines_of, normalise_text
from factcheck.outlets.registry import Registry

# Passages: a paragraph up to this many words is one passage; a longer one is cut into
# windows of SENTENCE_WINDOW sentences that overlap by one, so a fact told across two
# sentences stays in one window.
MAX_PASSAGE_WORDS = 80
SENTENCE_WINDOW = 3


@dataclass(frozen=True)
class Passage:
    """A stretch of the page text: `text == page[start:end]`."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ReadPassage:
    """A passage with its words worked out once, for every claim aligned with it.
    `quoted` holds the words of each quotation it prints: the words inside quotation
    marks, two parts of one quotation joined across the "he said" between them (see
    MAX_INTERRUPTION_WORDS), separate quotations kept apart."""

    passage: Passage
    tokens: tuple[Token, ...]
    stems: tuple[str, ...]
    stem_set: frozenset[str]
    quoted: tuple[tuple[Token, ...], ...]


@dataclass(frozen=True)
class Page:
    """A page's text (see `page_text`) read for alignment: its passages, each with its
    tokens and stems, and every stem of the page. Several claims aligned with one page
    read it once (`read_page`)."""

    text: str
    passages: tuple[ReadPassage, ...]
    stems: frozenset[str]
    # The extractor's sentences and speakers, by registry, made when first needed.
    said: dict[int, tuple[Registry, tuple[ExtractedClaim, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )


def page_text(body: str, content_type: str = "text/html") -> str:
    """The readable text of a fetched page, one paragraph per line: trafilatura's main
    text for HTML (comments left out), plain text as it is."""
    if "html" not in content_type:
        return normalise_text(body)
    import trafilatura  # Slow to import: loaded only when a page needs it.

    text = trafilatura.extract(body, include_comments=False, include_tables=False)
    if not text:
        return to_document(body).text
    return normalise_text(text)


def split_passages(text: str) -> list[Passage]:
    """The passages of a page text: its paragraphs (non-blank lines), and windows of
    SENTENCE_WINDOW sentences for paragraphs longer than MAX_PASSAGE_WORDS words."""
    passages = []
    for line in lines_of(text):
        if len(line.text.split()) <= MAX_PASSAGE_WORDS:
            passages.append(Passage(line.text, line.start, line.end))
            continue
        sentences = split_sentences(line)
        step = max(1, SENTENCE_WINDOW - 1)
        for first in range(0, max(1, len(sentences) - 1), step):
            window = sentences[first : first + SENTENCE_WINDOW]
            start, end = window[0].start, window[-1].end
            passages.append(Passage(text[start:end], start, end))
    return passages


def read_page(text: str) -> Page:
    """The page text split into passages, with their words, ready to align claims with."""
    passages = []
    for passage in split_passages(text):
        found = tuple(tokens(passage.text))
        stems = tuple(stem(t.norm) for t in found)
        quoted = _quotations(passage.text, found)
        passages.append(ReadPassage(passage, found, stems, frozenset(stems), quoted))
    every = frozenset(word for passage in passages for word in passage.stem_set)
    return Page(text, tuple(passages), every)


# Two quotations of a paragraph are parts of one when what stands between them is an
# interruption: at most this many words ("Mr. Baxter, the U.S. envoy, said"), and no
# colon or semicolon (", but Tom Baxter replied:" opens someone else's quotation).
MAX_INTERRUPTION_WORDS = 6
_NEW_QUOTATION = re.compile(r"[:;]")


def _quotations(text: str, found: Sequence[Token]) -> tuple[tuple[Token, ...], ...]:
    """The words of each quotation in `text` (see `ReadPassage.quoted`)."""
    groups: list[list[tuple[int, int]]] = []
    for start, end in quote_spans(text):
        previous = groups[-1][-1] if groups else None
        gap = text[previous[1] : start] if previous is not None else ""
        if (
            previous is not None
            and len(tokens(gap)) <= MAX_INTERRUPTION_WORDS
            and not _NEW_QUOTATION.search(gap)
        ):
            groups[-1].append((start, end))
        else:
            groups.append([(start, end)])
    return tuple(
        tuple(t for t in found if any(a <= t.start and t.end <= b for a, b in group))
        for group in groups
    )
