from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from factcheck.accounts.users import add_user, create_token
from factcheck.db import get_engine, session_scope
from factcheck.models import Role, User
from factcheck.web import create_app
from tests.harness import REDIS_URL, OutletSimulator, Stack, WorkerProcess, make_stack

pytest_plugins = ["tests.browsers"]

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_PATH = FIXTURES / "articles" / "memo-nato-daesh-2017.txt"
# Articles and claims first: on PostgreSQL a task of an earlier test still writing holds
# their rows, so these DELETEs wait for it to commit, and the later ones also remove what
# it wrote (its audit events, cross-references). SQLite lets one writer in at a time.
TABLES = (
    "article",
    "claim",
    "claim_outlet",
    "verdict",
    "cross_reference",
    "claim_outlet_outcome",
    "outlet",
    "outlet_edit",
    "audit_event",
    "api_token",
    "user",
)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The session's database (migrated with Alembic) and broker namespace."""
    created = make_stack(tmp_path_factory.mktemp("stack"))
    yield created
    created.close()


@pytest.fixture
def session(stack: Stack, clean_database: None) -> Iterator[Session]:
    with Session(get_engine(stack.settings.database_url), expire_on_commit=False) as db:
        yield db


@pytest.fixture
def clean_database(stack: Stack) -> None:
    """Empty tables. DELETE rather than TRUNCATE: the session's worker may still be
    finishing a previous test's task, and row locks wait where TRUNCATE's table lock
    deadlocks with it."""
    engine = get_engine(stack.settings.database_url)
    for attempt in range(5):
        try:
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    # The audit log refuses DELETE; tests start each from an empty log.
                    connection.execute(text("SET LOCAL session_replication_role = replica"))
                for table in TABLES:
                    connection.execute(text(f'DELETE FROM "{table}"'))
                connection.execute(text("UPDATE audit_head SET sha256 = NULL"))
            if _all_empty(engine):
                return
        except OperationalError:
            if attempt == 4:
                raise
        time.sleep(0.2)
    raise AssertionError("a task of an earlier test kept writing: the tables would not empty")


def _all_empty(engine: Engine) -> bool:
    counts = " UNION ALL ".join(f'SELECT count(*) FROM "{table}"' for table in TABLES)
    with engine.connect() as connection:
        return not any(connection.execute(text(counts)).scalars())


PASSWORD = "correct horse battery"


@pytest.fixture
def app(stack: Stack, clean_database: None) -> Flask:
    return create_app(stack.settings, {"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def make_user(stack: Stack, clean_database: None) -> Callable[..., User]:
    def make(username: str, role: Role = Role.REVIEWER) -> User:
        with session_scope(stack.settings.database_url) as db:
            return add_user(db, username=username, password=PASSWORD, role=role, actor="test")

    return make


def csrf_token_of(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    return found.group(1).decode() if found else ""


def log_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_token_of(client.get("/login").data)
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.data
    return client


def start_reviewing(client: FlaskClient) -> bytes:
    """Press "Start reviewing": the review page with the next claim, leased."""
    return client.post("/review/next", follow_redirects=True).data


@pytest.fixture
def client(app: Flask, make_user: Callable[..., User]) -> FlaskClient:
    """Logged in as a reviewer."""
    make_user("rita", Role.REVIEWER)
    return log_in(app, "rita")


@pytest.fixture
def editor_client(app: Flask, make_user: Callable[..., User]) -> FlaskClient:
    make_user("eddie", Role.EDITOR)
    return log_in(app, "eddie")


@pytest.fixture
def api_headers(stack: Stack, make_user: Callable[..., User]) -> dict[str, str]:
    make_user("bot", Role.REVIEWER)
    with session_scope(stack.settings.database_url) as db:
        token = create_token(db, username="bot", name="tests", actor="test").token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def worker(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """A real Celery worker process on the session's stack."""
    process = WorkerProcess(stack, tmp_path_factory.mktemp("logs") / "worker.log").start()
    yield process
    process.stop()


@pytest.fixture
def outlets() -> Iterator[OutletSimulator]:
    with OutletSimulator().running() as simulator:
        yield simulator


@pytest.fixture
def demo_text() -> str:
    return DEMO_PATH.read_text(encoding="utf-8")


def pytest_report_header() -> str:
    from tests.harness import POSTGRES_URL

    database = "PostgreSQL" if POSTGRES_URL else "SQLite"
    broker = "Redis" if REDIS_URL else "the embedded file broker"
    return f"factcheck back end: {database} + {broker}"
