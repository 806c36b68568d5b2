"""Engine and sessions. The web keeps one session per request on `g`; tasks and the CLI
open their own with `session_scope`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, event, update
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlmodel import Session, SQLModel, create_engine


def _enable_sqlite_concurrency(dbapi_connection: Any, _record: Any) -> None:
    # Web and worker write the same file: WAL lets readers go on during a write, and
    # busy_timeout makes a writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def canonical_json(value: Any) -> str:
    """JSON in one spelling: sorted keys, no spaces, UTF-8 as is. JSON columns are stored
    this way, so the database can rebuild an audit event's hashed text by itself."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@cache
def get_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False},
            json_serializer=canonical_json,
        )
        event.listen(engine, "connect", _enable_sqlite_concurrency)
        return engine
    engine = create_engine(
        database_url, pool_size=10, max_overflow=10, json_serializer=canonical_json
    )
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


# A pooled connection idle this long is checked before use (a database restart or a
# proxy's idle timeout may have cut it); one in steady use is not, since a check costs a
# round trip on every request. A cut that comes while connections are busy fails the
# request that meets it, and the pool then renews all its connections.
IDLE_BEFORE_CHECK = 10.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    checked_in_at = record.info.get("checked_in_at")
    if checked_in_at is not None and time.monotonic() - checked_in_at < IDLE_BEFORE_CHECK:
        return
    try:
        dbapi_connection.execute("SELECT 1")
    except Exception as error:  # whatever the driver raises for a dead connection
        raise DisconnectionError("the pooled connection was closed") from error


def as_sqlalchemy_error(connection: Connection, error: Exception, statement: str) -> DBAPIError:
    """A driver error met outside SQLAlchemy's own execution, as SQLAlchemy raises it;
    after a lost connection the pool's connections are replaced (the server that cut one
    has likely cut them all)."""
    lost = connection.dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
    if lost:
        connection.invalidate(error)
        connection.engine.dispose()
    return DBAPIError.instance(
        statement,
        None,
        error,
        connection.dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=connection.dialect,
    )


@contextmanager
def session_scope(database_url: str) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    with Session(get_engine(database_url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def compare_and_set(
    session: Session, model: type[SQLModel], row_id: int, *conditions: Any, **values: Any
) -> bool:
    """UPDATE the row only while `conditions` hold; True when this caller changed it.
    The one way state moves here: two workers or reviewers racing cannot both win."""
    changed = session.execute(
        update(model)
        .where(model.id == row_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return changed.rowcount == 1


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
