"""The Alembic migrations make exactly the schema the models describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from factcheck import models  # noqa: F401  (registers the tables)
from factcheck.db import get_engine
from factcheck.migrate import alembic_config, upgrade_database
from tests.harness import Stack, make_stack


def differences(connection) -> list:
    """Alembic's comparison of the database with the models. SQLite does not report the
    ordering of an expression index, so there the one DESC index is compared by name."""

    def comparable(obj, name, type_, reflected, compare_to) -> bool:
        return not (
            connection.dialect.name == "sqlite"
            and type_ == "index"
            and name == "ix_claim_pending_priority"
        )

    context = MigrationContext.configure(connection, opts={"include_object": comparable})
    return compare_metadata(context, SQLModel.metadata)


def test_the_migrated_schema_matches_the_models(stack: Stack):
    with get_engine(stack.settings.database_url).connect() as connection:
        assert differences(connection) == []
        index_names = {index["name"] for index in inspect(connection).get_indexes("claim")}
    assert "ix_claim_pending_priority" in index_names


def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    fresh = make_stack(tmp_path)
    try:
        command.downgrade(alembic_config(fresh.settings.database_url), "base")
        upgrade_database(fresh.settings.database_url)
        with get_engine(fresh.settings.database_url).connect() as connection:
            assert differences(connection) == []
    finally:
        fresh.close()
