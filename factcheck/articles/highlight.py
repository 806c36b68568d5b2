"""Laying claims over the article text: paragraphs of plain and highlighted spans."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

_PARAGRAPH = re.compile(r"\S.*?(?=\n[ \t]*\n|\Z)", re.DOTALL)


class Located(Protocol):
    start: int
    end: int


@dataclass(frozen=True)
class Span:
    text: str
    claim: Located | None = None


def paragraphs_with_claims(text: str, claims: Sequence[Located]) -> list[list[Span]]:
    """The text's paragraphs, each a list of spans; a span carries the claim it shows.
    Claims are clipped to their paragraph and overlapping ones are shown once."""
    ordered = sorted(claims, key=lambda claim: claim.start)
    paragraphs = []
    for match in _PARAGRAPH.finditer(text):
        spans, cursor = [], match.start()
        for claim in ordered:
            start, end = max(claim.start, cursor), min(claim.end, match.end())
            if start >= end:
                continue
            if start > cursor:
                spans.append(Span(text[cursor:start]))
            spans.append(Span(text[start:end], claim))
            cursor = end
        if cursor < match.end():
            spans.append(Span(text[cursor : match.end()]))
        paragraphs.append(spans)
    return paragraphs


def marked_segments(text: str, base: int, spans: Sequence[Sequence[int]]) -> list[tuple[str, bool]]:
    """`text` (which starts at offset `base` of its page) cut into (piece, marked) pairs,
    the pieces inside `spans` (page offsets) marked; overlapping spans merge."""
    cuts = sorted(
        (max(start - base, 0), min(end - base, len(text)))
        for start, end in spans
        if end > base and start < base + len(text)
    )
    segments, cursor = [], 0
    for start, end in cuts:
        start = max(start, cursor)
        if start >= end:
            continue
        if start > cursor:
            segments.append((text[cursor:start], False))
        segments.append((text[start:end], True))
        cursor = end
    if cursor < len(text):
        segments.append((text[cursor:], False))
    return segments
