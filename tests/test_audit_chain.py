"""The audit log as a hash chain: append-only, exported in a stream, checked for tampering."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from factcheck.audit import (
    ExportFilter,
    chain_head,
    export_header,
    exported_rows,
    record_event,
    verify_database,
    verify_export,
)
from factcheck.cli import main
from factcheck.db import get_engine
from factcheck.models import AuditEvent
from tests.harness import Stack


def log_events(session: Session, count: int, actor: str = "ann") -> None:
    for number in range(count):
        record_event(
            session,
            actor=actor,
            action="test.event",
            object_type="claim",
            object_id=number,
            before={"n": number},
            after={"n": number + 1, "note": "café ✓"},
        )
    session.commit()


def cli(stack: Stack, *args: str):
    return CliRunner().invoke(main, list(args), env=stack.env, catch_exceptions=False)


def tamper(stack: Stack, statement: str) -> None:
    """What a database administrator could do: bypass the append-only trigger."""
    engine = get_engine(stack.settings.database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(statement))


def test_each_event_links_to_the_one_before(session):
    log_events(session, 3)
    events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    assert events[0].prev_sha256 is None
    assert [e.prev_sha256 for e in events[1:]] == [e.sha256 for e in events[:-1]]
    assert verify_database(session).holds


def test_verify_passes_on_an_untouched_log(stack, session):
    log_events(session, 5)
    result = cli(stack, "audit", "verify")
    assert result.exit_code == 0
    assert "holds: 5 events" in result.output


def test_an_edited_row_is_named_by_verify(stack, session):
    log_events(session, 5)
    third = session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id)).offset(2)).first()
    tamper(stack, f"UPDATE audit_event SET actor = 'mallory' WHERE id = {third}")

    result = CliRunner().invoke(main, ["audit", "verify"], env=stack.env)

    assert result.exit_code == 1
    assert f"event {third}: its content does not match" in result.output


def test_a_removed_row_is_named_by_verify(stack, session):
    log_events(session, 5)
    ids = session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id))).all()
    tamper(stack, f"DELETE FROM audit_event WHERE id = {ids[2]}")

    result = CliRunner().invoke(main, ["audit", "verify"], env=stack.env)

    assert result.exit_code == 1
    assert f"event {ids[3]}: its link to the event before does not match" in result.output


def test_a_removed_last_row_shows_against_the_head(stack, session):
    log_events(session, 3)
    last = session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id).desc())).first()
    tamper(stack, f"DELETE FROM audit_event WHERE id = {last}")
    assert (
        "removed from the end"
        in CliRunner().invoke(main, ["audit", "verify"], env=stack.env).output
    )


def test_postgresql_refuses_to_update_or_delete_audit_rows(stack, session):
    if get_engine(stack.settings.database_url).dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    log_events(session, 1)
    for statement in ("UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
        with (
            pytest.raises(DBAPIError, match="append-only"),
            get_engine(stack.settings.database_url).begin() as connection,
        ):
            connection.execute(text(statement))


@pytest.mark.parametrize("file_format", ["jsonl", "csv"])
def test_an_export_verifies_and_an_edited_line_is_named(stack, session, tmp_path, file_format):
    log_events(session, 4)
    exported = tmp_path / f"audit.{file_format}"

    assert (
        cli(stack, "audit", "export", "--format", file_format, "-o", str(exported)).exit_code == 0
    )
    assert cli(stack, "audit", "verify", str(exported)).exit_code == 0

    lines = exported.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = len(lines) - 2  # the third event of four
    lines[edited] = lines[edited].replace("ann", "eve", 1)
    exported.write_text("".join(lines), encoding="utf-8")
    result = CliRunner().invoke(main, ["audit", "verify", str(exported)], env=stack.env)

    assert result.exit_code == 1
    event_id = session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id)).offset(2)).first()
    assert f"event {event_id}: its content does not match" in result.output


def test_the_export_header_records_the_head_and_filters(stack, session, tmp_path):
    log_events(session, 3, actor="ann")
    log_events(session, 2, actor="bob")
    exported = tmp_path / "bob.jsonl"

    cli(stack, "audit", "export", "--actor", "bob", "-o", str(exported))

    header, *rows = [json.loads(line) for line in exported.read_text().splitlines()]
    head = session.exec(select(AuditEvent.sha256).order_by(col(AuditEvent.id).desc())).first()
    assert header["head_sha256"] == head and header["complete_chain"] is False
    assert [row["actor"] for row in rows] == ["bob", "bob"]
    assert cli(stack, "audit", "verify", str(exported)).exit_code == 0


def test_events_written_at_once_by_many_writers_form_one_chain(stack, session):
    engine = get_engine(stack.settings.database_url)
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            with Session(engine) as own:
                barrier.wait()
                log_events(own, 5, actor=f"writer{number}")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    report = verify_database(session)
    assert report.holds and report.events == 50


def test_events_appended_during_an_export_stay_out_of_it(session):
    log_events(session, 3)
    head, head_id = chain_head(session)
    rows = exported_rows(session, ExportFilter(), upto_id=head_id, batch=1)
    first = next(rows)
    log_events(session, 2, actor="late")  # written while the export runs
    exported = [first, *rows]

    lines = [json.dumps(export_header(session, ExportFilter(), head))]
    lines += [json.dumps(row) for row in exported]
    assert [row["actor"] for row in exported] == ["ann"] * 3
    assert verify_export(lines).holds
