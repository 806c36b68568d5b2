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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, col, select

from factcheck.db import compare_and_set
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


def event_hash(content: dict[str, Any], prev_sha256: str | None) -> str:
    """The SHA-256 of an event's content (CONTENT_FIELDS) and its predecessor's hash, as
    canonical JSON: sorted keys, no spaces, UTF-8, times in UTC to the microsecond."""
    record = {name: content.get(name) for name in CONTENT_FIELDS}
    record["at"] = canonical_time(record["at"])
    record["prev"] = prev_sha256
    data = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def event_content(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in CONTENT_FIELDS}


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
) -> AuditEvent:
    """Record one event in the caller's transaction: it is written with the change or
    not at all. It joins the chain when the transaction commits (see `_chain_pending`)."""
    event = AuditEvent(
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


def _append(session: Session, event: AuditEvent) -> None:
    """Link the event to the chain's head with a compare-and-set on the head; a writer
    that loses the race reads the new head and tries again."""
    for _attempt in range(MAX_APPEND_ATTEMPTS):
        head = session.exec(select(AuditHead.sha256).where(AuditHead.id == 1)).one()
        event.prev_sha256 = head
        event.sha256 = event_hash(event_content(event), head)
        unchanged = col(AuditHead.sha256).is_(None) if head is None else AuditHead.sha256 == head
        if compare_and_set(session, AuditHead, 1, unchanged, sha256=event.sha256):
            session.add(event)
            return
    raise AuditLogBusy("The audit log is too busy to record this change; try again.")


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    # At commit, after every other row this transaction changed: the head's row lock is
    # always taken last and held only until the commit, so appends are serialised and
    # two transactions never wait on each other's rows in opposite orders.
    pending = session.info.pop(PENDING, [])
    for audit_event in pending:
        _append(session, audit_event)
    if pending:
        session.flush()


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


def check_chain(rows: Iterable[dict[str, Any]], *, contiguous: bool = True) -> ChainReport:
    """Check events in chain order (dicts with CONTENT_FIELDS, id, prev_sha256, sha256).
    `contiguous` False (a filtered export) checks each event's own hash only."""
    count, previous = 0, None
    for row in rows:
        count += 1
        if contiguous and row["prev_sha256"] != previous:
            return ChainReport(
                count,
                previous,
                f"event {row['id']}: its link to the event before does not match "
                "(an event was removed or reordered)",
            )
        if event_hash(row, row["prev_sha256"]) != row["sha256"]:
            return ChainReport(
                count,
                previous,
                f"event {row['id']}: its content does not match its SHA-256 (it was edited)",
            )
        previous = row["sha256"]
    return ChainReport(count, previous, None, partial=not contiguous)


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
    report = check_chain(
        exported_rows(session, ExportFilter(), upto_id=head_id if head_id else None)
    )
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


def jsonl_lines(header: dict[str, Any], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The export as JSONL, a line at a time: the header, then one event per line."""
    yield json.dumps(header, sort_keys=True) + "\n"
    for row in rows:
        yield json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_lines(header: dict[str, Any], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The export as CSV, a line at a time: a first comment line holding the header, the
    column names, then one event per row; before/after as JSON text."""
    yield "# " + json.dumps(header, sort_keys=True) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Iterable[Any]) -> str:
        # One row through the csv module's quoting, then the buffer is emptied again.
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(EXPORT_COLUMNS)
    for row in rows:
        yield line(
            json.dumps(row[name], sort_keys=True)
            if name in ("before", "after") and row[name] is not None
            else ("" if row[name] is None else row[name])
            for name in EXPORT_COLUMNS
        )


Lines = Callable[[dict[str, Any], Iterable[dict[str, Any]]], Iterator[str]]


def _write(lines: Lines, header: dict[str, Any], rows: Iterable[dict[str, Any]], out: Any) -> int:
    """Write the export's lines to a file; the number of events written."""
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    out.writelines(lines(header, counted()))
    return count


def write_jsonl(header: dict[str, Any], rows: Iterable[dict[str, Any]], out: Any) -> int:
    return _write(jsonl_lines, header, rows, out)


def write_csv(header: dict[str, Any], rows: Iterable[dict[str, Any]], out: Any) -> int:
    return _write(csv_lines, header, rows, out)


def read_export(lines: Iterable[str]) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """An exported file's header and its events (JSONL or CSV, told apart by the header)."""
    lines = iter(lines)
    first = next(lines, "")
    if first.startswith("# "):
        header = json.loads(first[2:])

        def csv_rows() -> Iterator[dict[str, Any]]:
            for row in csv.DictReader(lines):
                record: dict[str, Any] = {
                    name: (value if value != "" else None) for name, value in row.items()
                }
                record["id"] = int(record["id"])
                for name in ("before", "after"):
                    record[name] = json.loads(record[name]) if record[name] else None
                yield record

        return header, csv_rows()
    header = json.loads(first)
    return header, (json.loads(line) for line in lines if line.strip())


def verify_export(lines: Iterable[str]) -> ChainReport:
    """An exported file: every event's hash, the links between them when the export is
    the whole chain, and the last event against the head recorded in its header."""
    header, rows = read_export(lines)
    report = check_chain(rows, contiguous=bool(header.get("complete_chain")))
    if report.holds and header.get("complete_chain") and report.head != header.get("head_sha256"):
        return ChainReport(
            report.events,
            report.head,
            "the file's last event is not the head its header records "
            "(events were removed from the end)",
        )
    return report
