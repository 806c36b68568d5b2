"""The audit log: state changes recorded in the caller's transaction, as a hash chain.

Each event's SHA-256 covers its canonical content and the previous event's SHA-256, so
editing, removing or reordering any event breaks the chain from there on. `verify`
names the first event that does not match.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from factcheck.db import canonical_json, compare_and_set, on_postgresql
from factcheck.models import AuditEvent, AuditHead, aware, utcnow

SYSTEM_ACTOR = "system"
CONTENT_FIELDS = ("at", "actor", "address", "action", "object_type", "object_id", "before", "after")
MAX_APPEND_ATTEMPTS = 50


class AuditLogBusy(RuntimeError):
    """The chain's head kept moving: too many writers at once."""


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


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: int | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    address: str | None = None,
) -> PendingEvent:
    """Record one event in the caller's transaction: it is written with the change or
    not at all. It joins the chain when the transaction commits (see `_chain_pending`)."""
    event = PendingEvent(
        at=utcnow(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        address=address,
    )
    session.info.setdefault(PENDING, []).append(event)
    return event


PENDING = "factcheck.audit.pending"


def _append(session: Session, pending: PendingEvent) -> None:
    """Link the event to the chain's head with a compare-and-set on the head; a writer
    that loses the race reads the new head and tries again."""
    content = event_content(pending)
    for _attempt in range(MAX_APPEND_ATTEMPTS):
        head = session.exec(select(AuditHead.sha256).where(AuditHead.id == 1)).one()
        sha256 = event_hash(content, head)
        unchanged = col(AuditHead.sha256).is_(None) if head is None else AuditHead.sha256 == head
        if compare_and_set(session, AuditHead, 1, unchanged, sha256=sha256):
            session.add(AuditEvent(**content, prev_sha256=head, sha256=sha256))
            return
    raise AuditLogBusy("The audit log is too busy to record this change; try again.")


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    # At commit, after every other row this transaction changed: the head's row lock is
    # always taken last and held only until the commit, so appends are serialised and
    # two transactions never wait on each other's rows in opposite orders.
    pending = session.info.pop(PENDING, [])
    if not pending:
        return
    if on_postgresql(session):
        from factcheck.audit_sql import append_events, append_events_and_commit

        session.flush()
        if _owns_its_commit(session):
            append_events_and_commit(session, pending)
        else:
            append_events(session, pending)
        return
    for audit_event in pending:
        _append(session, audit_event)
    session.flush()


def _owns_its_commit(session: Session) -> bool:
    """Whether this commit ends the database transaction: not a savepoint's end, nor the
    commit of a session joined to a transaction its caller began on a connection."""
    return isinstance(session.get_bind(), Engine) and not session.in_nested_transaction()


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


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


def chain_head(session: Session) -> tuple[str | None, int]:
    """The head's hash and its event's id (0 for an empty chain, or a head whose event
    is gone). Reading up to that id gives a consistent chain while writers append."""
    head = session.exec(select(AuditHead.sha256).where(AuditHead.id == 1)).one()
    head_id = (
        session.exec(select(AuditEvent.id).where(AuditEvent.sha256 == head)).first()
        if head
        else None
    )
    return head, head_id or 0


def verify_database(session: Session) -> ChainReport:
    """The whole chain in the database, and its head: a removed last event shows too."""
    head, head_id = chain_head(session)
    upto_id = head_id or None
    if on_postgresql(session):
        from factcheck.audit_sql import verify_in_database

        report = verify_in_database(session, upto_id=upto_id)
    else:
        report = check_chain(exported_rows(session, ExportFilter(), upto_id=upto_id))
    if not report.holds:
        return report
    if head != report.head:
        return ChainReport(
            report.events,
            report.head,
            "the chain's recorded head is not its last event (events were removed from the end)",
        )
    return report


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


def exported_rows(
    session: Session, export_filter: ExportFilter, *, upto_id: int | None = None, batch: int = 5000
) -> Iterator[dict[str, Any]]:
    """The events a filter selects, in chain order, in batches (constant memory), up to
    the event `upto_id` when given (the head read before, so that later appends stay out)."""
    columns = [getattr(AuditEvent, name) for name in EXPORT_COLUMNS]
    bound = [col(AuditEvent.id) <= upto_id] if upto_id is not None else []
    last_id = 0
    while True:
        rows = session.exec(
            select(*columns)
            .where(col(AuditEvent.id) > last_id, *bound, *export_filter.conditions())
            .order_by(col(AuditEvent.id))
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            record = dict(row._mapping)
            record["at"] = canonical_time(record["at"])
            yield record
        last_id = rows[-1][0]


def export_header(
    session: Session, export_filter: ExportFilter, head: str | None
) -> dict[str, Any]:
    return {
        "factcheck_audit_export": 1,
        "head_sha256": head,
        "exported_at": canonical_time(utcnow()),
        "complete_chain": not export_filter.narrows,
        "filter": {
            key: (canonical_time(value) if isinstance(value, datetime) else value)
            for key, value in vars(export_filter).items()
        },
    }


# Lines before the first event: the header (and for CSV, the column names).
HEADER_LINES = {"jsonl": 1, "csv": 2}


def jsonl_event_line(event_id: int, sha256: str | None, text: str) -> str:
    """One event of a JSONL export. `event` holds the very text its SHA-256 was taken of,
    so a verifier hashes it as it stands, with no JSON to parse and re-encode."""
    return f'{{"id":{event_id},"sha256":{json.dumps(sha256)},"event":{text}}}\n'


def header_lines(header: dict[str, Any], file_format: str) -> list[str]:
    if file_format == "jsonl":
        return [json.dumps(header, sort_keys=True) + "\n"]
    return ["# " + json.dumps(header, sort_keys=True) + "\n", ",".join(EXPORT_COLUMNS) + "\n"]


def _jsonl_events(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield jsonl_event_line(row["id"], row["sha256"], event_text(row, row["prev_sha256"]))


def _csv_events(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One event per CSV row; before/after as JSON text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(
            canonical_json(row[name])
            if name in ("before", "after") and row[name] is not None
            else ("" if row[name] is None else row[name])
            for name in EXPORT_COLUMNS
        )
        # One row through the csv module's quoting, then the buffer is emptied again.
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def export_lines(session: Session, export_filter: ExportFilter, file_format: str) -> Iterator[str]:
    """The export, a line at a time (constant memory): a header that records the chain's
    head, then the events the filter selects up to that head, in chain order. On
    PostgreSQL the database writes the lines; elsewhere Python does."""
    head, head_id = chain_head(session)
    yield from header_lines(export_header(session, export_filter, head), file_format)
    if on_postgresql(session):
        from factcheck.audit_sql import csv_event_lines, jsonl_event_lines

        write_events = jsonl_event_lines if file_format == "jsonl" else csv_event_lines
        yield from write_events(session, export_filter, upto_id=head_id)
        return
    # A head whose event is gone (head_id 0) bounds nothing: verify then shows the loss.
    rows = exported_rows(session, export_filter, upto_id=head_id or None)
    yield from (_jsonl_events if file_format == "jsonl" else _csv_events)(rows)


def write_export(session: Session, export_filter: ExportFilter, file_format: str, out: Any) -> int:
    """Write the export to a text file; the number of events written."""
    lines = 0
    for line in export_lines(session, export_filter, file_format):
        out.write(line)
        lines += line.count("\n")
    return lines - HEADER_LINES[file_format]


EXPORT_LINE = re.compile(r'\{"id":(\d+),"sha256":("[^"\\]*"|null),"event":(.*)\}\n?\Z', re.S)
PREV_AT_END = re.compile(r',"prev":(null|"[0-9a-f]{64}")\}\Z')


def _export_link(line: str) -> Link:
    """The link of one JSONL line: the event text as it stands, its hash and the hash it
    links to ("prev" is the text's last key). A line spelt otherwise (re-encoded by some
    tool, or an older export's, with the event's fields at the top level) is decoded."""
    match = EXPORT_LINE.match(line)
    if match is None:
        return _decoded_link(line)
    text, sha256 = match[3], _hash_token(match[2])
    if text_hash(text) != sha256:
        # Re-encoded (escaped non-ASCII, say) or edited: the decoded content decides.
        return _decoded_link(line)
    prev = PREV_AT_END.search(text)
    prev_sha256 = _hash_token(prev[1]) if prev else json.loads(text).get("prev")
    return Link(int(match[1]), prev_sha256, sha256, text)


def _hash_token(token: str) -> str | None:
    # null or a string without escapes (the patterns allow no other): no JSON decoder,
    # which took most of a file's verification time.
    return None if token == "null" else token[1:-1]


def _decoded_link(line: str) -> Link:
    try:
        row = json.loads(line)
        if "event" not in row:
            return link_of(row)
        event = row["event"]
        return Link(row["id"], event["prev"], row["sha256"], event_text(event, event["prev"]))
    except (ValueError, KeyError, TypeError) as error:
        raise UnreadableExport(f"a line is not an exported event: {line[:80]!r}") from error


class UnreadableExport(ValueError):
    """A file that is not an audit export, or a line of it that is no event."""


def _csv_links(lines: Iterable[str]) -> Iterator[Link]:
    for row in csv.DictReader(lines):
        record: dict[str, Any] = {
            name: (value if value != "" else None) for name, value in row.items()
        }
        record["id"] = int(record["id"])
        for name in ("before", "after"):
            record[name] = json.loads(record[name]) if record[name] else None
        yield link_of(record)


def read_export(lines: Iterable[str]) -> tuple[dict[str, Any], Iterator[Link]]:
    """An exported file's header and its events' links (JSONL or CSV, told apart by the
    header)."""
    lines = iter(lines)
    first = next(lines, "")
    if first.startswith("# "):
        return json.loads(first[2:]), _csv_links(lines)
    header = json.loads(first)
    return header, (_export_link(line) for line in lines if line.strip())


def verify_export(lines: Iterable[str]) -> ChainReport:
    """An exported file: every event's hash, the links between them when the export is
    the whole chain, and the last event against the head recorded in its header."""
    try:
        header, links = read_export(lines)
        report = check_links(links, contiguous=bool(header.get("complete_chain")))
    except ValueError as error:  # UnreadableExport, or a header that is no JSON
        return ChainReport(0, None, f"the file cannot be read as an audit export: {error}")
    if report.holds and header.get("complete_chain") and report.head != header.get("head_sha256"):
        return ChainReport(
            report.events,
            report.head,
            "the file's last event is not the head its header records "
            "(events were removed from the end)",
        )
    return report
