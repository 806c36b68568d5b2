"""extract(): from an article to its check-worthy claims, speakers and cited outlets."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from factcheck.extract.citations import (
    OutletIndex,
    cited_outlets,
    describes_an_outlet,
    footer_credits,
    interview_frame_credit,
    presented_interview_credit,
    split_dateline,
)
from factcheck.extract.document import read_document
from factcheck.extract.gazetteer import find_outlets
from factcheck.extract.lexicon import words
from factcheck.extract.model import ExtractedClaim, Extraction
from factcheck.extract.scoring import checkworthiness, claim_kind, is_question
from factcheck.extract.sentences import quote_spans, split_sentences
from factcheck.extract.speakers import (
    QUOTE_MASK,
    SpeakerMemory,
    classify,
    find_speaker,
)
from factcheck.extract.text import Span, word_count
from factcheck.outlets.registry import Registry, load_registry

_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_MIN_CLAIM_WORDS = 4
_MIN_QUOTED_WORDS = 3
_TURN_LABEL = re.compile(r"^(?P<label>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})\s*:\s+(?=\S)")
_INTERVIEWER_LABELS = words("Q Q. Question Interviewer Host Moderator")
_ANSWER_LABELS = words("A A. Answer")


@cache
def shipped_registry() -> Registry:
    return load_registry()


@dataclass(frozen=True)
class Attribution:
    speaker: str | None = None
    outlets: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.speaker is not None or bool(self.outlets)


@dataclass(frozen=True)
class _Sentence:
    span: Span
    attribution: Attribution
    quoted_words: int
    opens_with_quote: bool


def extract(text_or_html: str, *, registry: Registry | None = None) -> Extraction:
    registry = shipped_registry() if registry is None else registry
    document, layout = read_document(text_or_html)
    reader = _ArticleReader(document.text, registry)
    claims = reader.read(layout.body)
    opening = [
        (c.text, c.cited_outlets) for c in claims if layout.body and c.end <= layout.body[0].end
    ]
    credited = (
        *reader.credited,
        *presented_interview_credit(document.text, opening),
        *footer_credits(layout.credit_lines, registry),
    )
    return Extraction(
        text=document.text,
        title=layout.title,
        published=layout.published,
        credited_outlets=tuple(dict.fromkeys(credited)),
        claims=tuple(claims),
    )


class _ArticleReader:
    """Reads the body paragraphs in order, carrying who spoke last from one to the next."""

    def __init__(self, text: str, registry: Registry):
        self.registry = registry
        self.outlets = OutletIndex.of_text(text, registry)
        self.memory = SpeakerMemory(text)
        self.credited: list[str] = []
        self.last_quote: Attribution = Attribution()
        self.last_speaker: str | None = None
        self.turn: str | None = None

    def read(self, body: tuple[Span, ...]) -> list[ExtractedClaim]:
        claims: list[ExtractedClaim] = []
        for number, paragraph in enumerate(body):
            if number < 2:
                paragraph, wire = split_dateline(paragraph, self.registry)
                self.credited.extend(wire)
            if number == 0:
                self.credited.extend(interview_frame_credit(paragraph.text, self.registry))
            claims.extend(self._claims(self._take_turn(paragraph)))
        return claims

    def _take_turn(self, paragraph: Span) -> Span:
        """Interview transcripts: "Q: ..." ends a turn, "Name: ..." sets who answers; the
        label itself is not part of any claim."""
        match = _TURN_LABEL.match(paragraph.text)
        if match is None:
            return paragraph
        label = match.group("label")
        outlet = self.registry.lookup(label)
        if label in _INTERVIEWER_LABELS or outlet is not None:
            # The interviewer's questions are dropped as questions; statements stay.
            if outlet is not None:
                self.credited.append(outlet.name)
            self.turn = None
            return paragraph.cut(match.end(), len(paragraph.text))
        if label in _ANSWER_LABELS:
            self.turn = self.memory.last_person
        else:
            speaker = classify(label)
            if speaker is None or speaker.kind not in ("person", "surname"):
                return paragraph
            self.turn = self.memory.resolve(speaker, paragraph.start)
        return paragraph.cut(match.end(), len(paragraph.text))

    def _claims(self, paragraph: Span) -> list[ExtractedClaim]:
        quotes = quote_spans(paragraph.text)
        sentences = [self._sentence(s, paragraph, quotes) for s in split_sentences(paragraph)]
        sentences = self._share_quote_attributions(sentences, paragraph, quotes)
        return [_claim(s) for s in sentences if _is_claim(s.span.text)]

    def _sentence(self, span: Span, paragraph: Span, quotes: list[tuple[int, int]]) -> _Sentence:
        masked = _mask(span, paragraph, quotes)
        found = find_speaker(masked, self._names_only_an_outlet)
        speaker = self.memory.resolve(found, span.start)
        outlet_spans = [
            (m.start - span.start, m.end - span.start)
            for m in self.outlets.within(span.start, span.end)
        ]
        self.memory.notice_names(masked, speaker, outlet_spans)
        attribution = Attribution(speaker, cited_outlets(span, masked, self.outlets))
        if self.turn is not None and attribution.speaker is None:
            attribution = replace(attribution, speaker=self.turn)
        if self.turn is not None:
            # An answer in an interview transcript is the speaker's own words throughout.
            return _Sentence(span, attribution, word_count(span.text), True)
        quoted = _quoted_words(span, paragraph, quotes)
        opens = masked.startswith(QUOTE_MASK)
        return _Sentence(span, attribution, quoted, opens)

    def _names_only_an_outlet(self, phrase: str) -> bool:
        """'the pro-Kremlin Izvestia newspaper': an outlet and words describing it."""
        mentions = find_outlets(self.registry, phrase)
        if not mentions:
            return False
        rest = phrase
        for mention in reversed(mentions):
            rest = rest[: mention.start] + " " + rest[mention.end :]
        return all(describes_an_outlet(word) for word in rest.split())

    def _share_quote_attributions(
        self, sentences: list[_Sentence], paragraph: Span, quotes: list[tuple[int, int]]
    ) -> list[_Sentence]:
        """Every sentence of a quotation gets the attribution given in any of them; an
        unattributed quotation right after an attributed one continues it."""
        result = list(sentences)
        for start, end in quotes:
            members = [i for i, s in enumerate(result) if _overlaps(s.span, paragraph, start, end)]
            given = next((result[i].attribution for i in members if result[i].attribution), None)
            if given is None and members and result[members[0]].opens_with_quote:
                given = self._quote_before(result, members[0]) or None
            if given is None and members and members[0] == 0 and start == 0:
                # A paragraph that is only a quotation, right after someone spoke, goes on
                # with that speaker (not with the outlet: it is a new quotation).
                given = Attribution(self.last_speaker) if self.last_speaker else None
            for i in members:
                if given is not None and not result[i].attribution:
                    result[i] = replace(result[i], attribution=given)
        if result:
            last = result[-1]
            self.last_quote = last.attribution if last.quoted_words else Attribution()
            self.last_speaker = last.attribution.speaker
        return result

    def _quote_before(self, sentences: list[_Sentence], index: int) -> Attribution:
        """The attribution of the sentence before, when that one was a quotation too."""
        if index == 0:
            return self.last_quote
        previous = sentences[index - 1]
        return previous.attribution if previous.quoted_words else Attribution()


def _mask(span: Span, paragraph: Span, quotes: list[tuple[int, int]]) -> str:
    """The sentence with its quoted words replaced by QUOTE_MASK (same length)."""
    chars = list(span.text)
    offset = span.start - paragraph.start
    for start, end in quotes:
        for i in range(max(start - offset, 0), min(end - offset, len(chars))):
            chars[i] = QUOTE_MASK
    return "".join(chars)


def _quoted_words(span: Span, paragraph: Span, quotes: list[tuple[int, int]]) -> int:
    offset = span.start - paragraph.start
    words = 0
    for start, end in quotes:
        lo, hi = max(start - offset, 0), min(end - offset, len(span.text))
        if lo < hi:
            words += word_count(span.text[lo:hi])
    return words


def _overlaps(span: Span, paragraph: Span, start: int, end: int) -> bool:
    offset = span.start - paragraph.start
    return offset < end and start < offset + len(span.text)


def _is_claim(text: str) -> bool:
    return word_count(text) >= _MIN_CLAIM_WORDS and not is_question(text)


def _claim(sentence: _Sentence) -> ExtractedClaim:
    text, attribution = sentence.span.text, sentence.attribution
    attributed = bool(attribution)
    quoted = sentence.quoted_words >= _MIN_QUOTED_WORDS
    return ExtractedClaim(
        text=text,
        start=sentence.span.start,
        end=sentence.span.end,
        speaker=attribution.speaker,
        cited_outlets=attribution.outlets,
        kind=claim_kind(text, quoted=quoted, attributed=attribution.speaker is not None),
        checkworthiness=checkworthiness(text, attributed=attributed),
    )
