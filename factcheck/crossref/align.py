"""Alignment: the passages of a fetched page that bear on a claim, and a hint for the
reviewer on how they bear on it.

A page's text is split into passages (paragraphs; long ones into windows of sentences).
Each passage is scored against the claim by how well it holds the claim's quotations
(exactly or nearly, word by word), by BM25 over the claim's words, and by the share of
the claim's names and numbers it repeats; the page's date closeness to the claim's
weighs in. Quotations are compared whole: every quotation of the claim, sentence by
sentence wherever the page prints it, against the words the page quotes (so "she said"
between two parts is not a difference), and the person the page gives them to against
the claim's speaker. Hints help the reviewer; the verdict stays theirs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher

from rapidfuzz import fuzz

from factcheck.crossref.discover import date_closeness
from factcheck.crossref.passages import Page, Passage, ReadPassage, read_page
from factcheck.crossref.speakers import (
    claim_speaker,
    mask_quotations,
    named_with,
    person,
    same_person,
    speaker_of,
)
from factcheck.crossref.terms import (
    MIN_QUOTE_WORDS,
    Token,
    content_words,
    names,
    numbers,
    quotations,
    stem,
    tokens,
)
from factcheck.extract.citations import OutletIndex, cited_outlets
from factcheck.extract.claims import shipped_registry
from factcheck.extract.sentences import split_sentences
from factcheck.extract.text import Span
from factcheck.outlets.registry import Registry

QUOTE_FOUND = "quote found"
QUOTE_DIFFERS = "quote differs"
QUOTE_NOT_IN_SOURCE = "quote not in source"
CORROBORATES = "corroborates"
MENTIONS = "mentions"
NO_MATCHING_REPORT = "no matching report"
NOT_AN_ARTICLE = "not an article"
# The hints that say the page speaks to the claim itself (its quote, as printed or not,
# or its facts): the page cross-references the claim. "mentions" only shares its subject.
BEARING_HINTS = frozenset({QUOTE_FOUND, QUOTE_DIFFERS, QUOTE_NOT_IN_SOURCE, CORROBORATES})
# A second hint, with QUOTE_DIFFERS: the source gives the quoted words to another person.
WORDS_GIVEN_TO = "words given to "

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
# corroborate). It mentions the claim only with real topical overlap: half the claim's
# names and numbers and MENTIONS_MIN_TERMS of its words in one passage (a claim with no
# names or numbers needs MENTIONS_MIN_TERMS_ALONE). Chosen on the same texts: a wire
# story's retelling of a claim scores 0.6-1.0, a story on the same subject that does not
# report it 0.1-0.35, another subject 0.
BM25_K1 = 1.5
BM25_B = 0.75
CORROBORATES_MIN_TERMS = 0.45
CORROBORATES_MIN_FACTS = 0.5
MENTIONS_MIN_TERMS = 0.15
MENTIONS_MIN_FACTS = 0.5
MENTIONS_MIN_TERMS_ALONE = 0.5
# A quote the page does not hold is "not in source" only when the page is the story the
# quote would be in: it names the claim's speaker, a person, and holds
# SAME_STORY_MIN_FACTS of the claim's other names and numbers (two at least). Stories of
# the same week that share a place and a body with the claim, but not its speaker, stay
# "no matching report".
SAME_STORY_MIN_FACTS = 0.6
SAME_STORY_MIN_OTHER_FACTS = 2
# The passage score: a held quote counts most; a page further in time from the claim
# loses up to DATE_WEIGHT of its score.
QUOTE_WEIGHT = 0.5
TERMS_WEIGHT = 0.3
FACTS_WEIGHT = 0.2
DATE_WEIGHT = 0.15
_EXPAND = 3  # words either side of a near quote match that may belong to it
_Opcode = tuple[str, int, int, int, int]


@dataclass(frozen=True)
class ScoredPassage:
    """A passage with its score (0 to 1) and what matched, as offsets in the page text:
    `quote_span` the claim's quotation (or its near match) where this passage holds it,
    with `quote_similarity` the whole quotation's word similarity on the page (0 when
    the passage holds none of it); `term_spans` the claim's words."""

    passage: Passage
    score: float
    quote_similarity: float = 0.0
    quote_span: tuple[int, int] | None = None
    term_spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Alignment:
    """How a page bears on a claim. `hint` is one of QUOTE_FOUND, QUOTE_DIFFERS,
    QUOTE_NOT_IN_SOURCE, CORROBORATES, MENTIONS, NO_MATCHING_REPORT. For QUOTE_DIFFERS,
    `quote_diff` lists (op, words) from what the source printed to what the claim quotes,
    over the whole quote: "insert" words only the claim has, "delete" words only the
    source has. `quoted_speaker` is who the source gives the quote to, when the extractor
    can tell; `speaker_differs` when that is another person than the claim's speaker.
    `credited_to` names the outlets the best passage credits for its information (to
    search them in turn)."""

    hint: str
    score: float
    passages: tuple[ScoredPassage, ...] = ()
    quote_diff: tuple[tuple[str, str], ...] = ()
    credited_to: tuple[str, ...] = field(default_factory=tuple)
    quoted_speaker: str | None = None
    speaker_differs: bool = False

    @property
    def hints(self) -> tuple[str, ...]:
        """The hint; "words given to <Speaker>" when the source gives the quote to
        another person; then one "credited to <Outlet>" per credited outlet."""
        given = (f"{WORDS_GIVEN_TO}{self.quoted_speaker}",) if self.speaker_differs else ()
        return (self.hint, *given, *(f"credited to {name}" for name in self.credited_to))

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
class _Part:
    """A quotation of the claim, or one sentence of it, and where the page holds it:
    the passage's index and the match, or None when the page does not hold it."""

    quote: _Quote
    passage: int | None = None
    match: _QuoteMatch | None = None

    @property
    def words(self) -> int:
        return len(self.quote.tokens)

    @property
    def similarity(self) -> float:
        return self.match.similarity if self.match else 0.0

    @property
    def diff(self) -> tuple[tuple[str, str], ...]:
        if self.match is None:
            return (("insert", self.quote.text),)
        return self.match.diff or (("equal", self.quote.text),)


@dataclass(frozen=True)
class _PageQuote:
    """How the page holds the claim's quotations, all of them: each part's match."""

    parts: tuple[tuple[_Part, ...], ...]  # one tuple of parts per quotation

    @property
    def found(self) -> list[_Part]:
        return [part for parts in self.parts for part in parts if part.match is not None]

    @property
    def similarity(self) -> float:
        every = [part for parts in self.parts for part in parts]
        words = sum(part.words for part in every)
        return sum(part.similarity * part.words for part in every) / words if words else 0.0

    @property
    def diff(self) -> tuple[tuple[str, str], ...]:
        ops: list[tuple[str, str]] = []
        for number, parts in enumerate(self.parts):
            if number:
                ops.append(("equal", "…"))
            ops += [op for part in parts for op in part.diff]
        return tuple(ops)

    def in_passage(self, index: int) -> float:
        """The share of the quotations' words that passage `index` holds, by similarity."""
        every = [part for parts in self.parts for part in parts]
        words = sum(part.words for part in every) or 1
        held = [part for part in every if part.passage == index]
        return sum(part.similarity * part.words for part in held) / words

    def span_in(self, index: int) -> tuple[int, int] | None:
        """Where passage `index` holds the quotation, from its first part found there
        to its last (None when it holds none)."""
        spans = [part.match.span for part in self.found if part.passage == index and part.match]
        return (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None


@dataclass(frozen=True)
class Claim:
    """A claim read for alignment (`read_claim`): its quotations, words, names and
    numbers, and its speaker. Aligning one claim with several pages reads it once."""

    quotes: list[_Quote]
    words: list[str]
    facts: set[str]
    numbers: set[str]
    speaker: str | None  # a person's name, as the extractor gives it
    person_words: frozenset[str]  # the stems of the speaker's name
    speaker_words: frozenset[str]  # the stems of the words naming the speaker, title too
    quote_facts: frozenset[str]  # the names and numbers inside the quotations


def words_given_to(hints: Sequence[str]) -> str | None:
    """Who the source gives the claim's quote to, by a page's hints, when that is another
    person than the claim's speaker."""
    given = [hint[len(WORDS_GIVEN_TO) :] for hint in hints if hint.startswith(WORDS_GIVEN_TO)]
    return given[0] if given else None


def quote_diff(printed: str, quoted: str) -> list[tuple[str, str]]:
    """The word-level differences from `printed` (the source) to `quoted` (the claim):
    ("equal" | "insert" | "delete", words). Case and punctuation are not differences."""
    source, quote = tokens(printed), _Quote(quoted, tokens(quoted))
    matcher = SequenceMatcher(None, [t.norm for t in source], [t.norm for t in quote.tokens])
    return list(_ops(matcher.get_opcodes(), source, printed, quote))


def align(
    claim: str | Claim,
    page: str | Page,
    *,
    claim_published: datetime | None = None,
    page_published: datetime | None = None,
    registry: Registry | None = None,
    own_outlet: str | None = None,
    claim_speaker: str | None = None,
    limit: int = 3,
) -> Alignment:
    """Align a claim (its text, or the `Claim` that `read_claim` made of it) with a
    page's text (see `page_text`; or the `Page` that `read_page` made of it): the `limit`
    best passages, best first, and the hint. Outlet names are left out of the claim's
    words (an outlet does not name itself in its copy); `own_outlet`, the page's outlet,
    is not reported as credited. `claim_speaker` is who the claim is attributed to (found
    in the claim's text when not given)."""
    registry = registry if registry is not None else shipped_registry()
    if isinstance(claim, str):
        claim = read_claim(claim, registry, claim_speaker)
    page = read_page(page) if isinstance(page, str) else page
    passages = page.passages
    if not passages:
        return Alignment(NO_MATCHING_REPORT, 0.0)
    terms = _bm25([p.stems for p in passages], claim.words)
    held = _find_quotes(claim, passages) if claim.quotes else None
    date_factor = _date_factor(claim_published, page_published)
    scored = sorted(
        (
            (_score(claim, passage, term_score, held.in_passage(i) if held else 0.0), i)
            for i, (passage, term_score) in enumerate(zip(passages, terms, strict=True))
        ),
        key=lambda item: item[0],
        reverse=True,  # stable: of passages scored alike, the first on the page
    )
    best_score, best_index = scored[0]
    best = passages[best_index]
    quoted_speaker, differs = _quoted_speaker(claim, page, held, registry)
    hint = _hint(claim, page, best, terms[best_index], held, differs)
    holds_quote = hint in (QUOTE_FOUND, QUOTE_DIFFERS)
    return Alignment(
        hint=hint,
        score=round(best_score * date_factor, 4),
        passages=tuple(
            _scored_passage(claim, passages[i], score * date_factor, held, i)
            for score, i in scored[:limit]
        ),
        quote_diff=held.diff if held and holds_quote and held.similarity < 1 else (),
        credited_to=_credited(best.passage, page.text, registry, own_outlet),
        quoted_speaker=quoted_speaker if holds_quote else None,
        speaker_differs=differs and holds_quote,
    )


def _date_factor(claim_published: datetime | None, page_published: datetime | None) -> float:
    if claim_published is None or page_published is None:
        return 1.0  # An unknown date neither helps nor hurts.
    return 1 - DATE_WEIGHT * (1 - date_closeness(claim_published, page_published))


def read_claim(claim_text: str, registry: Registry, speaker: str | None = None) -> Claim:
    """The claim read for alignment: outlet names (by `registry`) are left out of its
    words; `speaker` is who it is attributed to (found in its text when not given)."""
    without_outlets = claim_text
    for mention in reversed(registry.find_all(claim_text)):
        blank = " " * (mention.end - mention.start)
        without_outlets = without_outlets[: mention.start] + blank + without_outlets[mention.end :]
    claim_numbers = numbers(without_outlets)
    named = person(speaker) if speaker else claim_speaker(claim_text)
    quotes = [_Quote(quote, tokens(quote)) for quote in quotations(claim_text)]
    quoted = " ".join(quote.text for quote in quotes)
    return Claim(
        quotes=quotes,
        words=content_words(without_outlets),
        facts={stem(name) for name in names(without_outlets)} | claim_numbers,
        numbers=claim_numbers,
        speaker=named,
        person_words=frozenset(stem(t.norm) for t in tokens(named or "")),
        speaker_words=frozenset(content_words(speaker or named or "")),
        quote_facts=frozenset({stem(name) for name in names(quoted)} | numbers(quoted)),
    )


def _quoted_speaker(
    claim: Claim, page: Page, held: _PageQuote | None, registry: Registry
) -> tuple[str | None, bool]:
    """Who the page gives the claim's quotation to (its longest part found), and whether
    that is another person than the claim's speaker."""
    if held is None or not held.found:
        return None, False
    first = max(held.found, key=lambda part: part.words)
    if first.match is None:
        return None, False
    speaker = speaker_of(page, registry, first.match.span)
    if speaker is None or claim.speaker is None:
        return speaker, False
    if named_with(claim.speaker, page, registry, first.match.span):
        return speaker, False
    return speaker, not same_person(claim.speaker, speaker)


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


def _find_quotes(claim: Claim, passages: Sequence[ReadPassage]) -> _PageQuote:
    """Where the page holds each of the claim's quotations: whole in one passage, or
    sentence by sentence (a quotation the source splits across paragraphs, or of which
    it printed only some sentences), whichever holds more of its words."""
    return _PageQuote(tuple(_find_quote(quote, passages) for quote in claim.quotes))


def _find_quote(quote: _Quote, passages: Sequence[ReadPassage]) -> tuple[_Part, ...]:
    whole = _best_part(quote, passages)
    if whole.similarity == 1.0:
        return (whole,)
    pieces = _pieces_of(quote)
    if len(pieces) < 2:
        return (whole,)
    parts = tuple(_best_part(piece, passages) for piece in pieces)
    by_piece = _PageQuote((parts,)).similarity
    return parts if by_piece > whole.similarity else (whole,)


_ELLIPSIS = re.compile(r"\s*(?:…|\.\.\.|\[…\]|\[\.\.\.\])\s*")


def _pieces_of(quote: _Quote) -> list[_Quote]:
    """The quote's sentences, and the stretches an ellipsis leaves (words the claim left
    out are no difference; a stretch shorter than MIN_QUOTE_WORDS is not looked for). A
    sentence shorter than that joins the one before it, so "Absolutely not." counts."""
    pieces: list[str] = []
    for stretch in _ELLIPSIS.split(quote.text):
        if len(tokens(stretch)) < MIN_QUOTE_WORDS:
            continue  # too short to find on its own, and no part of the next stretch
        span = Span(0, len(stretch), stretch)
        for sentence in split_sentences(span):
            short = len(tokens(sentence.text)) < MIN_QUOTE_WORDS
            if pieces and (short or len(tokens(pieces[-1])) < MIN_QUOTE_WORDS):
                pieces[-1] = f"{pieces[-1]} {sentence.text}"
            else:
                pieces.append(sentence.text)
    return [_Quote(piece, tokens(piece)) for piece in pieces if tokens(piece)]


def _best_part(quote: _Quote, passages: Sequence[ReadPassage]) -> _Part:
    best = _Part(quote)
    for index, read in enumerate(passages):
        match = _match_in_passage(quote, read)
        if match is not None and match.similarity > best.similarity:
            best = _Part(quote, index, match)
            if match.similarity == 1.0:
                break
    return best


def _match_in_passage(quote: _Quote, read: ReadPassage) -> _QuoteMatch | None:
    """The quote against the words the passage quotes someone as saying, then against
    all its words (a source may print a quote without marks)."""
    matches = [_match_quote(quote, group, read.passage) for group in read.quoted if group]
    quoted = max((m for m in matches if m is not None), key=lambda m: m.similarity, default=None)
    if quoted is not None and quoted.similarity == 1.0:
        return quoted
    anywhere = _match_quote(quote, read.tokens, read.passage)
    if quoted is None or (anywhere is not None and anywhere.similarity > quoted.similarity):
        return anywhere
    return quoted


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


def _facts_share(claim: Claim, words: frozenset[str]) -> float:
    return len(claim.facts & words) / len(claim.facts) if claim.facts else 0.0


def _score(claim: Claim, read: ReadPassage, term_score: float, quote_share: float) -> float:
    facts = _facts_share(claim, read.stem_set)
    score = TERMS_WEIGHT * term_score + FACTS_WEIGHT * facts
    if not claim.quotes:
        return score / (TERMS_WEIGHT + FACTS_WEIGHT)
    return score + QUOTE_WEIGHT * quote_share


def _hint(
    claim: Claim,
    page: Page,
    read: ReadPassage,
    term_score: float,
    held: _PageQuote | None,
    speaker_differs: bool,
) -> str:
    if held is not None:
        return _quote_hint(claim, page, held, speaker_differs)
    words = read.stem_set
    facts = _facts_share(claim, words)
    if (
        term_score >= CORROBORATES_MIN_TERMS
        and facts >= CORROBORATES_MIN_FACTS
        and claim.numbers <= words
    ):
        return CORROBORATES
    if claim.person_words and not _names_speaker(claim, page):
        return NO_MATCHING_REPORT  # What someone said is not on a page that never names them.
    if claim.facts and facts >= MENTIONS_MIN_FACTS and term_score >= MENTIONS_MIN_TERMS:
        return MENTIONS
    if not claim.facts and term_score >= MENTIONS_MIN_TERMS_ALONE:
        return MENTIONS
    return NO_MATCHING_REPORT


def _quote_hint(claim: Claim, page: Page, held: _PageQuote, speaker_differs: bool) -> str:
    """A quote claim is about its quote: the page prints it, prints it otherwise, or is
    the story it would be in and does not print it. A near match elsewhere is a misquote
    when it keeps the quote's names and numbers, or changes one of them on a page naming
    the claim's speaker (the figure a misquote gets wrong); changing more, it is another
    statement cast in the same words (a spokesman's formula, a yearly announcement). One
    given to another person is not a misquote of the claim's speaker."""
    same_story = _same_story(claim, page)
    if held.similarity == 1.0:
        return QUOTE_DIFFERS if speaker_differs else QUOTE_FOUND
    changed_facts = len(claim.quote_facts - page.stems)
    near = (
        held.similarity >= QUOTE_MIN_WORD_SIMILARITY
        and not speaker_differs
        and (changed_facts == 0 or (changed_facts == 1 and _names_speaker(claim, page)))
    )
    if near or (held.found and same_story):
        return QUOTE_DIFFERS
    return QUOTE_NOT_IN_SOURCE if same_story else NO_MATCHING_REPORT


def _names_speaker(claim: Claim, page: Page) -> bool:
    """Whether the page names the claim's speaker, first name too when the claim gives
    one (false when the claim names no person)."""
    return bool(claim.person_words) and claim.person_words <= page.stems


def _same_story(claim: Claim, page: Page) -> bool:
    """Whether the page is the story the claim's quote would be in: it names the claim's
    speaker, a person, and holds SAME_STORY_MIN_FACTS of the claim's other names and
    numbers, SAME_STORY_MIN_OTHER_FACTS at least. A quote of "a senior diplomat" cannot
    be missing from a page: any story on the subject may simply not carry it."""
    if not _names_speaker(claim, page):
        return False
    facts = claim.facts - claim.speaker_words
    if len(facts) < SAME_STORY_MIN_OTHER_FACTS:
        return False
    return len(facts & page.stems) / len(facts) >= SAME_STORY_MIN_FACTS


def _scored_passage(
    claim: Claim, read: ReadPassage, score: float, held: _PageQuote | None, index: int
) -> ScoredPassage:
    wanted = set(claim.words)
    start = read.passage.start
    term_spans = tuple(
        (start + t.start, start + t.end)
        for t, word in zip(read.tokens, read.stems, strict=True)
        if word in wanted
    )
    span = held.span_in(index) if held else None
    return ScoredPassage(
        passage=read.passage,
        score=round(score, 4),
        quote_similarity=round(held.similarity, 4) if span is not None and held else 0.0,
        quote_span=span,
        term_spans=term_spans,
    )


def _credited(
    passage: Passage, page: str, registry: Registry, own_outlet: str | None
) -> tuple[str, ...]:
    """The outlets the passage credits ("told the AFP news agency", "according to
    Reuters"), by the extractor's own rules, quotations left out."""
    masked = mask_quotations(passage.text)
    outlets = OutletIndex(registry.find_all(page))
    span = Span(passage.start, passage.end, passage.text)
    return tuple(name for name in cited_outlets(span, masked, outlets) if name != own_outlet)
