"""Every state change writes its audit event in the same transaction: no event, no change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from factcheck.accounts.users import add_user
from factcheck.articles.intake import submit_article
from factcheck.audit import record_event
from factcheck.db import get_engine
from factcheck.models import Article, AuditEvent, Claim, ClaimStatus, Role, utcnow
from factcheck.review.rules import decide, take_next
from tests.conftest import start_reviewing
from tests.harness import Stack
from tests.helpers import split_now

REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$",
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
    ],
}
ALLOW = {
    "sqlite": ["DROP TRIGGER refuse_audit"],
    "postgresql": ["DROP TRIGGER refuse_audit ON audit_event", "DROP FUNCTION refuse_audit()"],
}


@pytest.fixture
def audit_log_refuses_writes(stack: Stack, session: Session) -> Iterator[None]:
    engine = get_engine(stack.settings.database_url)
    # Fresh connections for the DDL: pooled SQLite connections that other threads used
    # can hold an older schema and not see a trigger dropped elsewhere.
    engine.dispose()
    with engine.begin() as connection:
        for statement in REFUSE[engine.dialect.name]:
            connection.execute(text(statement))
    yield
    with engine.begin() as connection:
        for statement in ALLOW[engine.dialect.name]:
            connection.execute(text(statement))


def test_an_article_whose_ingest_event_cannot_be_written_is_not_stored(
    session, demo_text, audit_log_refuses_writes
):
    with pytest.raises(DBAPIError, match="audit log unavailable"):
        submit_article(session, content=demo_text, submitted_by="rita")
        session.commit()
    session.rollback()
    assert session.exec(select(Article)).first() is None


def test_a_verdict_whose_event_cannot_be_written_does_not_happen(stack, session, demo_text):
    split_now(session, demo_text)
    user = add_user(
        session, username="ann", password="a long password", role=Role.REVIEWER, actor="t"
    )
    claim = take_next(session, user=user, now=utcnow(), lease_for=timedelta(minutes=5))
    session.commit()
    engine = get_engine(stack.settings.database_url)
    engine.dispose()  # fresh connections for the DDL, as in audit_log_refuses_writes
    with engine.begin() as connection:
        for statement in REFUSE[engine.dialect.name]:
            connection.execute(text(statement))
    try:
        with pytest.raises(DBAPIError, match="audit log unavailable"):
            decide(
                session,
                user=user,
                claim_id=claim.id,
                status=ClaimStatus.VERIFIED,
                seen_version=claim.version,
                now=utcnow(),
            )
            session.commit()
        session.rollback()
    finally:
        with engine.begin() as connection:
            for statement in ALLOW[engine.dialect.name]:
                connection.execute(text(statement))
    session.expire_all()
    assert session.get(Claim, claim.id).status == ClaimStatus.PENDING


def test_login_logout_lease_verdict_and_role_change_are_all_in_the_log(client, session, demo_text):
    from factcheck.accounts.users import set_role

    split_now(session, demo_text)
    page = start_reviewing(client)
    claim_id = int(page.split(b'data-claim-id="')[1].split(b'"')[0])
    version = int(page.split(b'name="version" value="')[1].split(b'"')[0])
    client.post(f"/claims/{claim_id}/verdict", data={"status": "verified", "version": version})
    client.post("/review/undo")
    client.post("/logout")
    set_role(session, username="rita", role=Role.EDITOR, actor="admin")
    session.commit()

    actions = session.exec(select(AuditEvent.action).order_by(col(AuditEvent.id))).all()
    for expected in (
        "user.add",
        "login",
        "article.ingest",
        "article.split",
        "lease.taken",
        "verdict",
        "verdict.undo",
        "lease.released",
        "logout",
        "user.role",
    ):
        assert expected in actions, expected


def events_named(stack: Stack, action: str) -> int:
    with Session(get_engine(stack.settings.database_url)) as db:
        return len(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_a_savepoint_s_end_is_not_the_commit_of_its_events(stack, session):
    if session.get_bind().dialect.name == "sqlite":
        # pysqlite commits on its own around SAVEPOINT; nothing here uses savepoints.
        pytest.skip("savepoints need PostgreSQL")
    savepoint = session.begin_nested()
    record_event(session, actor="t", action="test.inner", object_type="test", object_id=1)
    savepoint.commit()

    session.rollback()  # the transaction's

    assert events_named(stack, "test.inner") == 0


def test_a_session_joined_to_its_caller_s_transaction_leaves_the_commit_to_the_caller(
    stack, clean_database
):
    engine = get_engine(stack.settings.database_url)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # the caller's transaction has begun
        with Session(bind=connection) as joined:
            record_event(joined, actor="t", action="test.joined", object_type="test", object_id=1)
            joined.commit()
        connection.rollback()

    assert events_named(stack, "test.joined") == 0
