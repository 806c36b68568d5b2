"""The audit chain, exported and verified inside PostgreSQL. JSON columns are stored in
canonical form (db.canonical_json), so the database can rebuild each event's hashed text
(audit.events.event_text) and hash it; Python only passes the lines along. A row whose rebuilt
text does not give its hash (stored before canonical form, or tampered with) is checked
again in Python, which has the last word."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any

import psycopg
from sqlalchemy import Select, Text, cast, func, literal_column, select
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlmodel import Session, col

from factcheck.audit.events import (
    ChainReport,
    ExportFilter,
    Link,
    PendingEvent,
    check_links,
    event_content,
    event_text,
    jsonl_event_line,
)
from factcheck.db import as_sqlalchemy_error, canonical_json
from factcheck.models import AuditEvent

BATCH = 10_000
# PostgreSQL verifies this many id ranges at once, each in a backend of its own, when
# the chain is long enough to be worth it.
VERIFY_RANGES = 2
PARALLEL_ABOVE = 100_000
AT_TEXT = literal_column(
    """to_char(audit_event.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00'"""
)
# audit.events.event_text, spelt in SQL: the fields in sorted order, each as JSON.
EVENT_TEXT = literal_column(
    """'{"action":' || to_json(audit_event.action)::text"""
    """ || ',"actor":' || to_json(audit_event.actor)::text"""
    """ || ',"address":' || coalesce(to_json(audit_event.address)::text, 'null')"""
    """ || ',"after":' || coalesce(audit_event.after::text, 'null')"""
    """ || ',"at":"' || to_char(audit_event.at AT TIME ZONE 'UTC',"""
    """ 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00"'"""
    """ || ',"before":' || coalesce(audit_event.before::text, 'null')"""
    """ || ',"object_id":' || to_json(audit_event.object_id)::text"""
    """ || ',"object_type":' || to_json(audit_event.object_type)::text"""
    """ || ',"prev":' || coalesce('"' || audit_event.prev_sha256 || '"', 'null') || '}'"""
)


# One event joins the chain in one statement: PostgreSQL locks the head, finishes the
# event's text with the head's hash (Python wrote the rest: "prev" is its last key),
# hashes it, stores the event and moves the head. The head's row lock is held until the
# transaction commits, so appends are serialised as with the compare-and-set elsewhere.
APPEND = sql_text(
    """
WITH head AS (SELECT sha256 FROM audit_head WHERE id = 1 FOR UPDATE),
linked AS (
  SELECT head.sha256 AS prev,
         encode(sha256(convert_to(
           CAST(:text AS text) || coalesce('"' || head.sha256 || '"', 'null') || '}', 'UTF8'
         )), 'hex') AS sha256
  FROM head
),
added AS (
  INSERT INTO audit_event
    (at, actor, address, action, object_type, object_id, before, after, prev_sha256, sha256)
  SELECT :at, :actor, :address, :action, :object_type, :object_id,
         CAST(:before AS json), CAST(:after AS json), linked.prev, linked.sha256
  FROM linked
  RETURNING sha256
)
UPDATE audit_head SET sha256 = (SELECT sha256 FROM added) WHERE id = 1
"""
)
OPEN_PREV = "null}"


APPEND_FOR_PSYCOPG = str(APPEND.compile(dialect=psycopg_dialect()))


def _append_parameters(event: PendingEvent) -> dict[str, Any]:
    return {
        "text": event_text(event_content(event), None).removesuffix(OPEN_PREV),
        "at": event.at,
        "actor": event.actor,
        "address": event.address,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": canonical_json(event.before),
        "after": canonical_json(event.after),
    }


def append_events(session: Session, events: list[PendingEvent]) -> None:
    """Chain the events, in order, each with one statement."""
    for event in events:
        session.connection().execute(APPEND, _append_parameters(event))


def append_events_and_commit(session: Session, events: list[PendingEvent]) -> None:
    """Chain the events and commit, sent to the server together with one Sync (psycopg's
    pipeline): one round trip instead of two, and the chain's head is locked only while
    the server works, never while this process waits for its turn on a core. The
    session's own commit then finds the transaction ended and sends nothing. A failed
    append skips the COMMIT queued after it, and the session rolls back."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    try:
        with driver.pipeline(), driver.cursor() as cursor:
            for event in events:
                cursor.execute(APPEND_FOR_PSYCOPG, _append_parameters(event))
            # Queued, not driver.commit(): that would send a Sync of its own and wait.
            cursor.execute("COMMIT")
    except psycopg.Error as error:
        raise as_sqlalchemy_error(connection, error, APPEND_FOR_PSYCOPG) from error


def _texts(export_filter: ExportFilter, upto_id: int | None) -> Any:
    bound = [col(AuditEvent.id) <= upto_id] if upto_id else []
    return (
        select(AuditEvent.id, AuditEvent.prev_sha256, AuditEvent.sha256, EVENT_TEXT.label("text"))
        .where(*bound, *export_filter.conditions())
        .subquery()
    )


def _hashes_match(texts: Any) -> Any:
    return func.encode(func.sha256(func.convert_to(texts.c.text, "UTF8")), "hex") == texts.c.sha256


def _stream(session: Session, query: Select) -> Iterator[Any]:
    """The query's rows through a server-side cursor, a batch at a time."""
    connection = session.connection().execution_options(stream_results=True, yield_per=BATCH)
    # Closed however the reading ends: an open server-side cursor keeps its transaction,
    # and its locks, until then.
    with connection.execute(query) as result:
        yield from result


def python_text(text: str) -> str:
    """The event text Python makes of what the database rebuilt: equal to it whenever
    the stored JSON was canonical."""
    content = json.loads(text)
    return event_text(content, content.get("prev"))


def jsonl_event_lines(
    session: Session, export_filter: ExportFilter, *, upto_id: int | None
) -> Iterator[str]:
    texts = _texts(export_filter, upto_id)
    query = select(
        texts.c.id, texts.c.sha256, texts.c.text, _hashes_match(texts).label("exact")
    ).order_by(texts.c.id)
    for event_id, sha256, text, exact in _stream(session, query):
        yield jsonl_event_line(event_id, sha256, text if exact else python_text(text))


def csv_event_lines(
    session: Session, export_filter: ExportFilter, *, upto_id: int | None
) -> Iterator[str]:
    """The events as CSV rows, written by COPY (the columns as audit.events.EXPORT_COLUMNS)."""
    bound = [col(AuditEvent.id) <= upto_id] if upto_id else []
    query = (
        select(
            AuditEvent.id,
            AT_TEXT.label("at"),
            AuditEvent.actor,
            AuditEvent.address,
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            cast(AuditEvent.before, Text),
            cast(AuditEvent.after, Text),
            AuditEvent.prev_sha256,
            AuditEvent.sha256,
        )
        .where(*bound, *export_filter.conditions())
        .order_by(col(AuditEvent.id))
    )
    compiled = query.compile(dialect=session.get_bind().dialect)
    driver = session.connection().connection.driver_connection
    decoder = codecs.getincrementaldecoder("utf-8")()
    with driver.cursor().copy(f"COPY ({compiled}) TO STDOUT (FORMAT csv)", compiled.params) as copy:
        for chunk in copy:
            yield decoder.decode(bytes(chunk))
    yield decoder.decode(b"", final=True)


def verify_in_database(session: Session, *, upto_id: int | None) -> ChainReport:
    """The chain up to `upto_id`. PostgreSQL hashes every event and compares each link
    with the event before, in a few id ranges at once (one connection each); the rows it
    finds wrong are checked again in Python, from the first on, which has the last word
    (rows stored before JSON was canonical come back too, and hold)."""
    first_id, last_id = session.exec(
        select(func.min(AuditEvent.id), func.max(AuditEvent.id)).where(
            *([col(AuditEvent.id) <= upto_id] if upto_id else [])
        )
    ).one()
    if first_id is None:
        return ChainReport(0, None, None)
    first_suspect = _first_suspect(session, first_id, last_id)
    if first_suspect is not None:
        report = _check_suspects(session, first_suspect, last_id)
        if not report.holds:
            return report
    events, head = _count_and_last(session, upto_id)
    return ChainReport(events, head, None)


def _suspects(low: int, high: int, window_from: int | None = None) -> Select:
    """Events low..high whose rebuilt text does not give their hash, or whose link does
    not name the event before, each with the hash of the event before it (`previous`).
    The window starts at `window_from` (the event before `low`), else one id early."""
    start = low - 1 if window_from is None else window_from
    texts = (
        select(AuditEvent.id, AuditEvent.prev_sha256, AuditEvent.sha256, EVENT_TEXT.label("text"))
        .where(col(AuditEvent.id) >= start, col(AuditEvent.id) <= high)
        .subquery()
    )
    previous = func.lag(texts.c.sha256).over(order_by=texts.c.id)
    checked = select(
        texts.c.id,
        texts.c.prev_sha256,
        texts.c.sha256,
        texts.c.text,
        previous.label("previous"),
        _hashes_match(texts).label("exact"),
        # The window's first event has no predecessor in view: it is not checked here.
        (col(texts.c.prev_sha256).is_not_distinct_from(previous) | (texts.c.id < low)).label(
            "linked"
        ),
    ).subquery()
    return (
        select(
            checked.c.id,
            checked.c.prev_sha256,
            checked.c.sha256,
            checked.c.text,
            checked.c.previous,
        )
        .where(checked.c.id >= low, ~checked.c.exact | ~checked.c.linked)
        .order_by(checked.c.id)
    )


def _first_suspect(session: Session, first_id: int, last_id: int) -> int | None:
    """The first suspect event's id, the id ranges searched at once: the rows up to the
    head never change, so each connection may read them in its own snapshot."""
    ranges = VERIFY_RANGES if last_id - first_id >= PARALLEL_ABOVE else 1
    step = (last_id - first_id) // ranges + 1
    bounds = [(low, min(low + step - 1, last_id)) for low in range(first_id, last_id + 1, step)]
    engine = session.get_bind()

    def first_in(bound: tuple[int, int]) -> int | None:
        found = _suspects(*bound).subquery()
        with engine.connect() as connection:
            return connection.scalar(select(func.min(found.c.id)))

    with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
        firsts = [found for found in pool.map(first_in, bounds) if found is not None]
    return min(firsts, default=None)


def _check_suspects(session: Session, first_suspect: int, last_id: int) -> ChainReport:
    """Python's check of every suspect from the first, each against the event before it
    (read in the same pass, so a long run of suspects costs one query, not one each)."""
    before = session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.id < first_suspect))
    with closing(_stream(session, _suspects(first_suspect, last_id, before))) as rows:
        for suspect in rows:
            link = Link(suspect.id, suspect.prev_sha256, suspect.sha256, python_text(suspect.text))
            report = check_links([link], previous=suspect.previous)
            if not report.holds:
                events = session.scalar(
                    select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= suspect.id)
                )
                return ChainReport(events, report.head, report.first_bad)
    return ChainReport(0, None, None)


def _count_and_last(session: Session, upto_id: int | None) -> tuple[int, str | None]:
    bound = [col(AuditEvent.id) <= upto_id] if upto_id else []
    count, last_id = session.exec(select(func.count(), func.max(AuditEvent.id)).where(*bound)).one()
    if not last_id:
        return 0, None
    return count, session.scalar(select(AuditEvent.sha256).where(AuditEvent.id == last_id))
