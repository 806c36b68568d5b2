"""The chain's format, shared by every module of the audit area: what an event's hash is
taken of, the links between events and how a run of them is checked, and the filter an
export or a search selects events with."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from factcheck.db import canonical_json
from factcheck.models import AuditEvent, aware

SYSTEM_ACTOR = "system"


CONTENT_FIELDS = ("at", "actor", "address", "action", "object_type", "object_id", "before", "after")


def canonical_time(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return aware(moment).astimezone(UTC).isoformat(timespec="microseconds")


def event_text(content: dict[str, Any], prev_sha256: str | None) -> str:
    """The text an event's SHA-256 is taken of: its content (CONTENT_FIELDS) and its
    predecessor's hash as canonical JSON (sorted keys, no spaces, UTF-8, times in UTC to
    the microsecond)."""
    record = {name: content.get(name) for name in CONTENT_FIELDS}
    record["at"] = canonical_time(record["at"])
    record["prev"] = prev_sha256
    return canonical_json(record)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def event_hash(content: dict[str, Any], prev_sha256: str | None) -> str:
    return text_hash(event_text(content, prev_sha256))


def event_content(event: AuditEvent | PendingEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in CONTENT_FIELDS}


@dataclass
class PendingEvent:
    """An event recorded in a transaction that has not committed yet: its content only,
    and a plain object (a model instance costs more to build than the request that
    records it)."""

    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    address: str | None


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str | None
    first_bad: str | None  # what is wrong, naming the first event that does not match
    partial: bool = False  # only each event's own hash was checked (a filtered export)

    @property
    def holds(self) -> bool:
        return self.first_bad is None


@dataclass(frozen=True, slots=True)
class Link:
    """One event as the chain sees it: its id, the hash it links to, its own hash, and
    the text that hash was taken of."""

    id: int
    prev_sha256: str | None
    sha256: str | None
    text: str


def link_of(row: dict[str, Any]) -> Link:
    """The link of an event given as a dict (CONTENT_FIELDS, id, prev_sha256, sha256)."""
    return Link(row["id"], row["prev_sha256"], row["sha256"], event_text(row, row["prev_sha256"]))


def check_links(
    links: Iterable[Link], *, contiguous: bool = True, previous: str | None = None
) -> ChainReport:
    """Check events in chain order, from the one after `previous` (a hash). `contiguous`
    False (a filtered export) checks each event's own hash only."""
    count = 0
    for link in links:
        count += 1
        if contiguous and link.prev_sha256 != previous:
            return ChainReport(
                count,
                previous,
                f"event {link.id}: its link to the event before does not match "
                "(an event was removed or reordered)",
            )
        if text_hash(link.text) != link.sha256:
            return ChainReport(
                count,
                previous,
                f"event {link.id}: its content does not match its SHA-256 (it was edited)",
            )
        previous = link.sha256
    return ChainReport(count, previous, None, partial=not contiguous)


def check_chain(rows: Iterable[dict[str, Any]], *, contiguous: bool = True) -> ChainReport:
    """Check events given as dicts (see `link_of`) in chain order."""
    return check_links(map(link_of, rows), contiguous=contiguous)


@dataclass(frozen=True)
class ExportFilter:
    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None

    @property
    def narrows(self) -> bool:
        return any(vars(self).values())

    def conditions(self) -> list[Any]:
        conditions = []
        if self.since:
            conditions.append(AuditEvent.at >= self.since)
        if self.until:
            conditions.append(AuditEvent.at < self.until)
        if self.actor:
            conditions.append(AuditEvent.actor == self.actor)
        if self.action:
            conditions.append(AuditEvent.action == self.action)
        if self.object_type:
            conditions.append(AuditEvent.object_type == self.object_type)
        if self.object_id:
            conditions.append(AuditEvent.object_id == self.object_id)
        return conditions


EXPORT_COLUMNS = ("id", *CONTENT_FIELDS, "prev_sha256", "sha256")


def jsonl_event_line(event_id: int, sha256: str | None, text: str) -> str:
    """One event of a JSONL export. `event` holds the very text its SHA-256 was taken of,
    so a verifier hashes it as it stands, with no JSON to parse and re-encode."""
    return f'{{"id":{event_id},"sha256":{json.dumps(sha256)},"event":{text}}}\n'
