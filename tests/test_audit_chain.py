"""The audit log as a hash chain: append-only, exported in a stream, checked for tampering."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from factcheck.audit import ExportFilter, chain_head, record_event, verify_database, verify_export
from factcheck.audit.chain import exported_rows
from factcheck.audit.events import event_content, event_hash, event_text, jsonl_event_line
from factcheck.audit.export import export_header
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


def test_an_export_made_after_the_last_row_was_removed_shows_it(stack, session, tmp_path):
    log_events(session, 3)
    last = session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id).desc())).first()
    tamper(stack, f"DELETE FROM audit_event WHERE id = {last}")
    exported = tmp_path / "audit.jsonl"

    cli(stack, "audit", "export", "-o", str(exported))

    assert len(exported.read_text().splitlines()) == 3  # the header and the two left
    result = CliRunner().invoke(main, ["audit", "verify", str(exported)], env=stack.env)
    assert result.exit_code == 1 and "removed from the end" in result.output


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
    assert [row["event"]["actor"] for row in rows] == ["bob", "bob"]
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


AWKWARD = {
    "actor": 'o\'neil "the editor" \\ café\u2028',
    "before": {"z": 1.5, "a": [None, True, "tab\there"], "ünï": {"b": 2, "a": "\x01"}},
    "after": {"note": "line\nbreak </script>", "score": 1e-07},
}


def test_awkward_text_in_an_event_is_exported_as_hashed_and_verifies(stack, session, tmp_path):
    record_event(session, action="test.awkward", object_type="claim", object_id="7", **AWKWARD)
    session.commit()
    exported = tmp_path / "awkward.jsonl"

    assert cli(stack, "audit", "export", "-o", str(exported)).exit_code == 0

    line = exported.read_text(encoding="utf-8").split("\n")[1] + "\n"
    event = session.exec(select(AuditEvent)).one()
    assert json.loads(line)["event"]["actor"] == AWKWARD["actor"]
    assert line == jsonl_event_line(event.id, event.sha256, event_text(event_content(event), None))
    assert verify_database(session).holds
    assert cli(stack, "audit", "verify", str(exported)).exit_code == 0


def test_the_database_rebuilds_the_hashed_text_of_awkward_events(stack, session):
    if get_engine(stack.settings.database_url).dialect.name != "postgresql":
        pytest.skip("PostgreSQL rebuilds the text itself; elsewhere Python does")
    from factcheck.audit.postgres import EVENT_TEXT

    record_event(session, action="test.awkward", object_type="claim", object_id="7", **AWKWARD)
    session.commit()
    event = session.exec(select(AuditEvent)).one()

    rebuilt = session.scalar(sa_select(EVENT_TEXT).select_from(AuditEvent))

    assert rebuilt == event_text(event_content(event), None)


def test_events_stored_before_canonical_json_still_verify_and_export(stack, session, tmp_path):
    """Rows written when JSON columns were stored with json.dumps' default spacing: the
    database's rebuilt text differs, and Python checks those rows itself."""
    content = {
        "at": "2026-01-01T00:00:00.000000+00:00",
        "actor": "ann",
        "address": None,
        "action": "verdict",
        "object_type": "claim",
        "object_id": "1",
        "before": {"status": "pending", "version": 1},
        "after": {"version": 2, "status": "verified"},
    }
    digest = event_hash(content, None)
    tamper(
        stack,
        "INSERT INTO audit_event (at, actor, action, object_type, object_id, before, after, "
        "prev_sha256, sha256) VALUES ('2026-01-01T00:00:00+00:00', 'ann', 'verdict', 'claim', "
        """'1', '{"status": "pending", "version": 1}', '{"version": 2, "status": "verified"}', """
        f"NULL, '{digest}')",
    )
    tamper(stack, f"UPDATE audit_head SET sha256 = '{digest}'")
    log_events(session, 2)
    exported = tmp_path / "legacy.jsonl"

    assert verify_database(session).holds
    assert cli(stack, "audit", "export", "-o", str(exported)).exit_code == 0
    assert cli(stack, "audit", "verify", str(exported)).exit_code == 0


def test_an_export_re_encoded_by_another_tool_still_verifies(stack, session, tmp_path):
    log_events(session, 3)
    exported = tmp_path / "audit.jsonl"
    cli(stack, "audit", "export", "-o", str(exported))
    header, *events = exported.read_text(encoding="utf-8").splitlines()
    spaced = [json.dumps(json.loads(line)) for line in events]
    ascii_only = [json.dumps(json.loads(line), separators=(",", ":")) for line in events]

    for respelt in (spaced, ascii_only):  # "café" as "caf\u00e9" in the second
        assert verify_export([header + "\n", *(line + "\n" for line in respelt)]).holds


def test_a_file_that_is_not_an_export_fails_verification_with_a_message(stack, tmp_path):
    garbage = tmp_path / "notes.jsonl"
    garbage.write_text('{"factcheck_audit_export": 1}\nthis is not json\n', encoding="utf-8")

    result = CliRunner().invoke(main, ["audit", "verify", str(garbage)], env=stack.env)

    assert result.exit_code == 1
    assert "cannot be read as an audit export" in result.output


@pytest.fixture
def ranges_at_once(stack, monkeypatch):
    """PostgreSQL's verification split into several id ranges even for a short chain."""
    if get_engine(stack.settings.database_url).dialect.name != "postgresql":
        pytest.skip("the ranges are PostgreSQL's")
    from factcheck.audit import postgres

    monkeypatch.setattr(postgres, "PARALLEL_ABOVE", 0)
    monkeypatch.setattr(postgres, "VERIFY_RANGES", 3)


@pytest.mark.parametrize("damage", ["edit", "remove"])
def test_verification_in_ranges_finds_damage_at_a_range_boundary(
    stack, session, ranges_at_once, damage
):
    log_events(session, 9)
    ids = session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id))).all()
    assert verify_database(session).holds
    first_of_second_range = ids[3]  # 9 events in 3 ranges: 3 each
    if damage == "edit":
        tamper(stack, f"UPDATE audit_event SET actor = 'x' WHERE id = {ids[7]}")
        tamper(stack, f"UPDATE audit_event SET actor = 'y' WHERE id = {first_of_second_range}")
        expected = f"event {first_of_second_range}: its content does not match"
    else:
        tamper(stack, f"DELETE FROM audit_event WHERE id = {ids[2]}")
        expected = f"event {first_of_second_range}: its link to the event before does not match"

    report = verify_database(session)

    assert report.first_bad.startswith(expected)
