"""The values the extractor hands out: plain frozen dataclasses, no behaviour beyond JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Document:
    """What ingest stores: the article's plain text and the metadata found around it."""

    text: str
    title: str | None
    published: datetime | None


@dataclass(frozen=True)
class ExtractedClaim:
    text: str
    start: int
    end: int
    speaker: str | None
    cited_outlets: tuple[str, ...]
    kind: str
    checkworthiness: float

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "speaker": self.speaker,
            "cited_outlets": list(self.cited_outlets),
            "kind": self.kind,
            "checkworthiness": self.checkworthiness,
        }


@dataclass(frozen=True)
class Extraction:
    text: str
    title: str | None
    published: datetime | None
    credited_outlets: tuple[str, ...]
    claims: tuple[ExtractedClaim, ...]

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "credited_outlets": list(self.credited_outlets),
            "claims": [claim.as_dict() for claim in self.claims],
        }
