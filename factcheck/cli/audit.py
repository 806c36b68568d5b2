"""`factcheck audit`: export the audit log, and check it (or an export) for tampering."""

from __future__ import annotations

import sys

import click

from factcheck.audit import ExportFilter, verify_database, verify_export, write_export
from factcheck.cli.common import cli_settings, parse_moment
from factcheck.db import session_scope


@click.group()
def audit() -> None:
    """Export the audit log and check it for tampering."""


@audit.command("export")
@click.option("--format", "output_format", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--since", help="ISO-8601; events at or after it.")
@click.option("--until", help="ISO-8601; events before it.")
@click.option("--actor")
@click.option("--action")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def audit_export(
    output_format: str,
    since: str | None,
    until: str | None,
    actor: str | None,
    action: str | None,
    output: str,
) -> None:
    """Stream the events to a file, with a header that records the chain's head."""
    export_filter = ExportFilter(parse_moment(since), parse_moment(until), actor, action)
    with (
        session_scope(cli_settings().database_url) as session,
        open(output, "w", newline="", encoding="utf-8") as out,
    ):
        count = write_export(session, export_filter, output_format, out)
    click.echo(f"exported {count} events to {output}")


@audit.command("verify")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
def audit_verify(file: str | None) -> None:
    """Check the chain in the database, or in an exported FILE; exit 1 at the first
    event that does not match, naming it."""
    if file:
        with open(file, encoding="utf-8", newline="") as lines:
            report = verify_export(lines)
    else:
        with session_scope(cli_settings().database_url) as session:
            report = verify_database(session)
    if not report.holds:
        click.echo(f"the audit log does NOT hold: {report.first_bad}", err=True)
        sys.exit(1)
    click.echo(f"the audit log holds: {report.events} events, head {report.head}")
    if file and report.partial:
        click.echo("(a filtered export: each event's own hash was checked, not the links)")
