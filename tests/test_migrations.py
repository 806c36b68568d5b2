"""The Alembic migrations make exactly the schema the models describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from factcheck import models  # noqa: F401  (registers the tables)
from factcheck.db import get_engine
from factcheck.migrate import alembic_config, upgrade_database
from tests.harness import Stack, make_stack


def test_the_migrated_schema_matches_the_models(stack: Stack):
    with get_engine(stack.settings.database_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    fresh = make_stack(tmp_path)
    try:
        command.downgrade(alembic_config(fresh.settings.database_url), "base")
        upgrade_database(fresh.settings.database_url)
        with get_engine(fresh.settings.database_url).connect() as connection:
            context = MigrationContext.configure(connection)
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        fresh.close()
