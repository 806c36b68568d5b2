from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlmodel import Session

from factcheck.db import get_engine
from factcheck.web import create_app
from tests.harness import REDIS_URL, OutletSimulator, Stack, WorkerProcess, make_stack

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_PATH = FIXTURES / "articles" / "memo-nato-daesh-2017.txt"
TABLES = ("claim_outlet", "claim", "outlet", "audit_event", "article")


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
    engine = get_engine(stack.settings.database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def app(stack: Stack, clean_database: None) -> Flask:
    return create_app(stack.settings, {"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


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
