"""Pooled PostgreSQL connections that the server cut (a restart, a proxy's idle timeout)
are found and replaced: an idle one before it is used, a busy one after the one request
that met it."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

from factcheck import db
from factcheck.audit import record_event
from factcheck.db import get_engine, session_scope
from tests.harness import wait_for


@pytest.fixture
def postgres(stack):
    engine = get_engine(stack.settings.database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("the pool's checks are PostgreSQL's")
    # An empty pool, so that it holds the one connection these tests cut: with two, the
    # next checkout may hand out the other, and a connection cut by an earlier test
    # would still be waiting in the queue.
    engine.dispose()
    return stack.settings.database_url


def pooled_backend(database_url: str) -> int:
    """The server process of the connection the pool hands out next (the one it holds)."""
    with session_scope(database_url) as session:
        return session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def cut(database_url: str, backend: int) -> None:
    """What a server restart does to a pooled connection: the server ends it (from a
    connection of its own; other processes' connections are left alone)."""
    dsn = make_url(database_url).set(drivername="postgresql")
    with psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True) as own:
        own.execute("SELECT pg_terminate_backend(%s)", (backend,))
        # The signal is sent at once, the process ends a moment later: wait for it, or
        # the pool's check may still find it alive.
        gone = "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)"
        wait_for(lambda: own.execute(gone, (backend,)).fetchone()[0], timeout=10)


def query(database_url: str) -> int:
    with session_scope(database_url) as session:
        return session.execute(text("SELECT 1")).scalar_one()


def test_an_idle_connection_that_was_cut_is_replaced_before_use(postgres, monkeypatch):
    monkeypatch.setattr(db, "IDLE_BEFORE_CHECK", 0.0)
    cut(postgres, pooled_backend(postgres))

    assert query(postgres) == 1


def test_a_busy_connection_that_was_cut_fails_one_request_and_the_pool_recovers(
    postgres, monkeypatch
):
    monkeypatch.setattr(db, "IDLE_BEFORE_CHECK", 3600.0)
    cut(postgres, pooled_backend(postgres))

    with pytest.raises(OperationalError):
        query(postgres)
    assert query(postgres) == 1


def test_a_connection_cut_before_an_audited_commit_fails_it_and_the_pool_recovers(
    postgres, monkeypatch
):
    # The audit chain is appended and committed in one exchange with the server, on the
    # driver's connection: its failure must be SQLAlchemy's, as any other statement's.
    monkeypatch.setattr(db, "IDLE_BEFORE_CHECK", 3600.0)
    with pytest.raises(OperationalError) as failed, session_scope(postgres) as session:
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        record_event(session, actor="t", action="test.cut", object_type="test", object_id=1)
        cut(postgres, backend)

    assert "audit_head" in failed.value.statement  # the commit's, not a later rollback's

    assert query(postgres) == 1
    with session_scope(postgres) as session:
        cut_events = session.execute(
            text("SELECT count(*) FROM audit_event WHERE action = 'test.cut'")
        ).scalar_one()
    assert cut_events == 0
