"""What every command shares: settings from the environment, JSON output, ISO dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from factcheck.config import Settings, load_settings


def cli_settings() -> Settings:
    try:
        return load_settings()
    except ValueError as error:
        raise click.ClickException(str(error)) from error


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def parse_moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 date or time") from error
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
