"""The audit chain in the database: state changes recorded in the caller's transaction.

Each event's SHA-256 covers its canonical content and the previous event's SHA-256, so
editing, removing or reordering any event breaks the chain from there on. `verify`
names the first event that does not match.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from factcheck.audit.events import (
    EXPORT_COLUMNS,
    ChainReport,
    ExportFilter,
    PendingEvent,
    canonical_time,
    check_chain,
    event_content,
    event_hash,
)
from factcheck.audit.postgres import append_events, append_events_and_commit, verify_in_database
from factcheck.db import compare_and_set, on_postgresql
from factcheck.models import AuditEvent, AuditHead, utcnow

MAX_APPEND_ATTEMPTS = 50


class AuditLogBusy(RuntimeError):
    """The chain's head kept moving: too many writers at once."""


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
