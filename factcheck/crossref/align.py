"""Alignment: the passages of a fetched page that bear on a claim, and a hint for the
reviewer on how they bear on it.

A page's text is split into passages (paragraphs; long ones into windows of sentences).
Each passage is scored against the claim by how well it holds the claim's quotations
(exactly or nearly, word by word), by BM25 over the claim's words, and by the share of
the claim's names and numbers it repeats; the page's date closeness to the claim's
weighs in. Hints help the reviewer; the verdict stays theirs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher

from rapidfuzz import fuzz

from factcheck.crossref.discover import date_closeness
from factcheck.crossref.terms import (
    Token,
    content_words,
    names,
    numbers,
    quotations,
    stem,
    tokens,
)
from factcheck.extract import to_document
from factcheck.extract.citations import OutletIndex, cited_outlets
from factcheck.extract.claims import shipped_registry
from factcheck.extract.sentences import quote_spans, split_sentences
from factcheck.extract.speakers import QUOTE_MASK
from factcheck.extract.text import Span, lines_of, normalise_text
from factcheck.outlets.registry import Registry

QUOTE_FOUND = "quote found"
QUOTE_DIFFERS = "quote differs"
CORROBORATES = "corroborates"
MENTIONS = "mentions"
NO_MATCHING_REPORT = "no matching report"
# The hints that say the claim itself is on the page (its quote, or its facts): the page
# cross-references the claim. "mentions" only shares some words with it.
BEARING_HINTS = frozenset({QUOTE_FOUND, QUOTE_DIFFERS, CORROBORATES})

# Passages: a paragraph up to this many words is one passage; a longer one is cut into
# windows of SENTENCE_WINDOW sentences that overlap by one, so a fact told across two
# sentences stays in one window.
MAX_PASSAGE_WORDS = 80
SENTENCE_WINDOW = 3
# Quotes. A passage is searched for a quote when rapidfuzz's partial_ratio of the two
# (word-normalised) reaches QUOTE_MIN_RATIO; the near match counts when the words agree
# at least QUOTE_MIN_WORD_SIMILARITY (difflib ratio over words). Chosen on the wire texts
# of tests/test_crossref_align.py: one word added, dropped or changed in a quote of six
# words or more gives a ratio of 95 and a word similarity of 0.88-0.95; the other
# passages of the same story stay under 70 and are never searched word by word.
QUOTE_MIN_RATIO = 80
QUOTE_MIN_WORD_SIMILARITY = 0.7
# Terms. BM25 is scaled by what a passage holding each claim word once would score, so
# 1.0 means "all of the claim's words are here". A passage corroborates when it holds
# at least CORROBORATES_MIN_TERMS of that, at least CORROBORATES_MIN_FACTS of the claim's
# names and numbers and every one of its numbers (a report with other figures does not
# corroborate); it mentions when it shares a name or number or MENTIONS_MIN_TERMS of the
# words. Chosen on the same texts: a wire story's retelling of a claim scores 0.6-1.0, a
# story on the same subject that does not report it 0.1-0.35, another subject 0.
BM25_K1 = 1.5
BM25_B = 0.75
CORROBORATES_MIN_TERMS = 0.45
CORROBORATES_MIN_FACTS = 0.5
MENTIONS_MIN_TERMS = 0.25
# The passage score: a held quote counts most; a page further in time from the claim
# loses up to DATE_WEIGHT of its score.
QUOTE_WEIGHT = 0.5
TERMS_WEIGHT = 0.3
FACTS_WEIGHT = 0.2
DATE_WEIGHT = 0.15
_EXPAND = 3  # words either side of a near quote match that may belong to it
_Opcode = tuple[str, int, int, int, int]


@dataclass(frozen=True)
class Passage:
    """A stretch of the page text: `text == page[start:end]`."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class _ReadPassage:
    """A passage with its words worked out once, for every claim aligned with it."""

    passage: Passage
    tokens: tuple[Token, ...]
    stems: tuple[str, ...]
    stem_set: frozenset[str]


@dataclass(frozen=True)
class Page:
    """A page's text (see `page_text`) read for alignment: its passages, each with its
    tokens and stems. Several claims aligned with one page read it once (`read_page`)."""

    text: str
    passages: tuple[_ReadPassage, ...]


@dataclass(frozen=True)
class ScoredPassage:
    """A passage with its score (0 to 1) and what matched, as offsets in the page text:
    `quote_span` the quotation (or its near match), `term_spans` the claim's words."""

    passage: Passage
    score: float
    quote_similarity: float = 0.0
    quote_span: tuple[int, int] | None = None
    term_spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Alignment:
    """How a page bears on a claim. `hint` is one of QUOTE_FOUND, QUOTE_DIFFERS,
    CORROBORATES, MENTIONS, NO_MATCHING_REPORT. For QUOTE_DIFFERS, `quote_diff` lists
    (op, words) from what the source printed to what the claim quotes: "insert" words
    only the claim has, "delete" words only the source has. `credited_to` names the
    outlets the best passage credits for its information (to search them in turn)."""

    hint: str
    score: float
    passages: tuple[ScoredPassage, ...] = ()
    quote_diff: tuple[tuple[str, str], ...] = ()
    credited_to: tuple[str, ...] = field(default_factory=tuple)

    @property
    def hints(self) -> tuple[str, ...]:
        """The hint, then one "credited to <Outlet>" per credited outlet."""
        return (self.hint, *(f"credited to {name}" for name in self.credited_to))

    @property
    def best(self) -> ScoredPassage | None:
        return self.passages[0] if self.passages else None


@dataclass(frozen=True)
class _QuoteMatch:
    similarity: float
    span: tuple[int, int]
    diff: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Quote:
    text: str
    tokens: list[Token]


@dataclass(frozen=True)
class _Claim:
    quotes: list[_Quote]
    words: list[str]
    facts: set[str]
    numbers: set[str]


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
        passages.append(_ReadPassage(passage, found, stems, frozenset(stems)))
    return Page(text, tuple(passages))


def quote_diff(printed: str, quoted: str) -> list[tuple[str, str]]:
    """The word-level differences from `printed` (the source) to `quoted` (the claim):
    ("equal" | "insert" | "delete", words). Case and punctuation are not differences."""
    source, quote = tokens(printed), _Quote(quoted, tokens(quoted))
    matcher = SequenceMatcher(None, [t.norm for t in source], [t.norm for t in quote.tokens])
    return list(_ops(matcher.get_opcodes(), source, printed, quote))


def align(
    claim_text: str,
    page: str | Page,
    *,
    claim_published: datetime | None = None,
    page_published: datetime | None = None,
    registry: Registry | None = None,
    own_outlet: str | None = None,
    limit: int = 3,
) -> Alignment:
    """Align a claim with a page's text (see `page_text`; or the `Page` that `read_page`
    made of it): the `limit` best passages, best first, and the hint. Outlet names are
    left out of the claim's words (an outlet does not name itself in its copy);
    `own_outlet`, the page's outlet, is not reported as credited."""
    registry = registry if registry is not None else shipped_registry()
    claim = _read_claim(claim_text, registry)
    page = read_page(page) if isinstance(page, str) else page
    passages = page.passages
    if not passages:
        return Alignment(NO_MATCHING_REPORT, 0.0)
    terms = _bm25([p.stems for p in passages], claim.words)
    date_factor = _date_factor(claim_published, page_published)
    scored = []
    for passage, term_score in zip(passages, terms, strict=True):
        match = _best_quote_match(claim, passage)
        scored.append((_score(claim, passage, term_score, match), passage, term_score, match))
    scored.sort(key=lambda item: item[0], reverse=True)
    best_score, best, best_terms, best_match = scored[0]
    credited = _credited(best.passage, page.text, registry, own_outlet)
    return Alignment(
        hint=_hint(claim, best, best_terms, best_match),
        score=round(best_score * date_factor, 4),
        passages=tuple(
            _scored_passage(claim, passage, score * date_factor, match)
            for score, passage, _terms, match in scored[:limit]
        ),
        quote_diff=best_match.diff if best_match and best_match.similarity < 1 else (),
        credited_to=credited,
    )


def _date_factor(claim_published: datetime | None, page_published: datetime | None) -> float:
    if claim_published is None or page_published is None:
        return 1.0  # An unknown date neither helps nor hurts.
    return 1 - DATE_WEIGHT * (1 - date_closeness(claim_published, page_published))


def _read_claim(claim_text: str, registry: Registry) -> _Claim:
    without_outlets = claim_text
    for mention in reversed(registry.find_all(claim_text)):
        blank = " " * (mention.end - mention.start)
        without_outlets = without_outlets[: mention.start] + blank + without_outlets[mention.end :]
    claim_numbers = numbers(without_outlets)
    return _Claim(
        quotes=[_Quote(quote, tokens(quote)) for quote in quotations(claim_text)],
        words=content_words(without_outlets),
        facts={stem(name) for name in names(without_outlets)} | claim_numbers,
        numbers=claim_numbers,
    )


def _bm25(documents: Sequence[Sequence[str]], query: Sequence[str]) -> list[float]:
    """Okapi BM25 of each document for the query, divided by the score of a document of
    average length holding each query word once (so about 0 to 1, capped at 1)."""
    query_words = set(query)
    if not query_words:
        return [0.0] * len(documents)
    count = len(documents)
    average = sum(len(d) for d in documents) / count or 1.0
    frequency = Counter(word for d in documents for word in set(d))
    idf = {
        w: math.log(1 + (count - frequency[w] + 0.5) / (frequency[w] + 0.5)) for w in query_words
    }
    ideal = sum(idf.values())
    scores = []
    for document in documents:
        term_counts = Counter(document)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * len(document) / average)
        score = sum(
            idf[w] * term_counts[w] * (BM25_K1 + 1) / (term_counts[w] + norm)
            for w in query_words
            if term_counts[w]
        )
        scores.append(min(1.0, score / ((BM25_K1 + 1) / (1 + BM25_K1) * ideal)))
    return scores


def _best_quote_match(claim: _Claim, read: _ReadPassage) -> _QuoteMatch | None:
    matches = [_match_quote(quote, read.tokens, read.passage) for quote in claim.quotes]
    found = [match for match in matches if match is not None]
    return max(found, key=lambda match: match.similarity, default=None)


def _match_quote(quote: _Quote, source: Sequence[Token], passage: Passage) -> _QuoteMatch | None:
    words, wanted = [t.norm for t in source], [t.norm for t in quote.tokens]
    size = len(wanted)
    for i in range(len(words) - size + 1):
        if words[i : i + size] == wanted:
            span = (passage.start + source[i].start, passage.start + source[i + size - 1].end)
            return _QuoteMatch(1.0, span, ())
    joined = " ".join(words)
    alignment = fuzz.partial_ratio_alignment(" ".join(wanted), joined)
    if alignment is None or alignment.score < QUOTE_MIN_RATIO:
        return None
    first = joined.count(" ", 0, alignment.dest_start)
    last = joined.count(" ", 0, max(alignment.dest_start, alignment.dest_end - 1))
    window = source[max(0, first - _EXPAND) : last + 1 + _EXPAND]
    matcher = SequenceMatcher(None, [t.norm for t in window], wanted, autojunk=False)
    opcodes = _trim_source_edges(matcher.get_opcodes())
    kept = [t for tag, i1, i2, _j1, _j2 in opcodes if tag != "insert" for t in window[i1:i2]]
    equal = sum(i2 - i1 for tag, i1, i2, _j1, _j2 in opcodes if tag == "equal")
    similarity = 2 * equal / (len(kept) + size)
    if not kept or similarity < QUOTE_MIN_WORD_SIMILARITY:
        return None
    span = (passage.start + kept[0].start, passage.start + kept[-1].end)
    diff = _ops(opcodes, window, passage.text, quote)
    return _QuoteMatch(round(similarity, 4), span, diff)


def _trim_source_edges(opcodes: list[_Opcode]) -> list[_Opcode]:
    """A quote is an excerpt: source words before its first or after its last word are
    where it starts and ends, not differences."""
    while opcodes and opcodes[0][0] == "delete":
        opcodes = opcodes[1:]
    while opcodes and opcodes[-1][0] == "delete":
        opcodes = opcodes[:-1]
    return opcodes


def _ops(
    opcodes: list[_Opcode], source: Sequence[Token], source_text: str, quote: _Quote
) -> tuple[tuple[str, str], ...]:
    """(op, words) pairs, words as written: the source's for "delete", the claim's for
    "equal" and "insert"."""

    def written(found: Sequence[Token], text: str) -> str:
        return " ".join(text[t.start : t.end] for t in found)

    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag in ("delete", "replace"):
            ops.append(("delete", written(source[i1:i2], source_text)))
        if tag != "delete":
            ops.append(
                ("equal" if tag == "equal" else "insert", written(quote.tokens[j1:j2], quote.text))
            )
    return tuple(ops)


def _facts_share(claim: _Claim, passage_words: frozenset[str]) -> float:
    return len(claim.facts & passage_words) / len(claim.facts) if claim.facts else 0.0


def _score(
    claim: _Claim, read: _ReadPassage, term_score: float, match: _QuoteMatch | None
) -> float:
    facts = _facts_share(claim, read.stem_set)
    score = TERMS_WEIGHT * term_score + FACTS_WEIGHT * facts
    if not claim.quotes:
        return score / (TERMS_WEIGHT + FACTS_WEIGHT)
    return score + QUOTE_WEIGHT * (match.similarity if match else 0.0)


def _hint(claim: _Claim, read: _ReadPassage, term_score: float, match: _QuoteMatch | None) -> str:
    if match is not None:
        return QUOTE_FOUND if match.similarity == 1.0 else QUOTE_DIFFERS
    words = read.stem_set
    facts = _facts_share(claim, words)
    if (
        term_score >= CORROBORATES_MIN_TERMS
        and facts >= CORROBORATES_MIN_FACTS
        and claim.numbers <= words
    ):
        return CORROBORATES
    if facts > 0 or term_score >= MENTIONS_MIN_TERMS:
        return MENTIONS
    return NO_MATCHING_REPORT


def _scored_passage(
    claim: _Claim, read: _ReadPassage, score: float, match: _QuoteMatch | None
) -> ScoredPassage:
    wanted = set(claim.words)
    start = read.passage.start
    term_spans = tuple(
        (start + t.start, start + t.end)
        for t, word in zip(read.tokens, read.stems, strict=True)
        if word in wanted
    )
    return ScoredPassage(
        passage=read.passage,
        score=round(score, 4),
        quote_similarity=match.similarity if match else 0.0,
        quote_span=match.span if match else None,
        term_spans=term_spans,
    )


def _credited(
    passage: Passage, page: str, registry: Registry, own_outlet: str | None
) -> tuple[str, ...]:
    """The outlets the passage credits ("told the AFP news agency", "according to
    Reuters"), by the extractor's own rules, quotations left out."""
    masked = passage.text
    for start, end in quote_spans(passage.text):
        masked = masked[:start] + QUOTE_MASK * (end - start) + masked[end:]
    outlets = OutletIndex(registry.find_all(page))
    span = Span(passage.start, passage.end, passage.text)
    return tuple(name for name in cited_outlets(span, masked, outlets) if name != own_outlet)
