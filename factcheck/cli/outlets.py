"""`factcheck outlets`: how the outlets' searches have gone lately."""

from __future__ import annotations

import sys
from typing import Any

import click

from factcheck.cli.common import cli_settings, print_json
from factcheck.crossref.health import RECENT, OutletHealth, outlet_health
from factcheck.db import session_scope
from factcheck.models import utcnow


@click.group()
def outlets() -> None:
    """See how searching the news outlets goes."""


@outlets.command("health")
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="text")
def outlets_health(output_format: str) -> None:
    """Each outlet searched lately: searches by outcome, and whether it can be checked now
    (since when, and why not). Exits 1 when an outlet cannot be checked now."""
    with session_scope(cli_settings().database_url) as session:
        health = outlet_health(session, now=utcnow())
    if output_format == "json":
        print_json([_as_json(h) for h in health])
    else:
        _print_text(health)
    if any(h.failing_now for h in health):
        sys.exit(1)


def _as_json(health: OutletHealth) -> dict[str, Any]:
    return {
        "outlet": health.outlet,
        "searches": health.counts,
        "failing_now": health.failing_now,
        "failing_since": health.failing_since.isoformat() if health.failing_since else None,
        "last_answered": health.last_answered.isoformat() if health.last_answered else None,
        "reason": health.reason,
    }


def _print_text(health: list[OutletHealth]) -> None:
    if not health:
        click.echo(f"no outlet was searched in the last {RECENT.days} days")
    for outlet in health:
        counts = ", ".join(f"{n} {o.replace('_', ' ')}" for o, n in outlet.counts.items())
        click.echo(f"{outlet.outlet}: {counts}")
        if outlet.failing_since:
            since = outlet.failing_since.strftime("%Y-%m-%d %H:%M")
            click.echo(f"    cannot be checked since {since} UTC: {outlet.reason}")
