"""Text normalisation and the line spans every other step works on."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Span:
    """A stretch of the document text; `text` is always `document[start:end]`."""

    start: int
    end: int
    text: str

    def cut(self, start: int, end: int) -> Span:
        """The part between two offsets relative to this span, trimmed of whitespace."""
        part = self.text[start:end]
        lead = len(part) - len(part.lstrip())
        part = part.strip()
        begin = self.start + start + lead
        return Span(begin, begin + len(part), part)


def normalise_text(text: str) -> str:
    """NFC, Unix newlines, no trailing spaces, no surrounding blank lines; idempotent."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _TRAILING_SPACE.sub("", text).strip()


def lines_of(text: str) -> list[Span]:
    """The non-blank lines of `text`, trimmed, with their offsets."""
    spans = []
    for match in _LINE.finditer(text):
        line = Span(match.start(), match.end(), match.group()).cut(0, match.end() - match.start())
        if line.text:
            spans.append(line)
    return spans


def word_count(text: str) -> int:
    return len(_WORD.findall(text))
