"""`factcheck migrate`: the database brought to the newest schema (Alembic)."""

from __future__ import annotations

import click

from factcheck.cli.common import cli_settings
from factcheck.migrate import upgrade_database


@click.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    upgrade_database(cli_settings().database_url)
    click.echo("database is at the newest schema")
