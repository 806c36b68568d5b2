"""`factcheck report`: an article's verification report as JSON, PDF or HTML."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from factcheck.cli.common import cli_settings
from factcheck.config import DEFAULT_PUBLIC_URL, Settings
from factcheck.db import session_scope
from factcheck.errors import UserError
from factcheck.reports.verification import build_report, report_as_json
from factcheck.web import create_app
from factcheck.web.reports import report_document, report_pdf


@click.command()
@click.argument("article_id", type=int)
@click.option(
    "--format", "output_format", type=click.Choice(["json", "pdf", "html"]), default="json"
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def report(article_id: int, output_format: str, output: str) -> None:
    """Write the verification report of ARTICLE_ID as JSON, PDF or a standalone HTML file."""
    settings = cli_settings()
    with session_scope(settings.database_url) as session:
        try:
            article_report = build_report(session, article_id=article_id, now=datetime.now(UTC))
        except UserError as error:
            raise click.ClickException(str(error)) from error
    if output_format == "json":
        content: str | bytes = json.dumps(report_as_json(article_report), indent=2)
    else:
        content = _render_report(settings, article_report, output_format)
    if isinstance(content, bytes):
        Path(output).write_bytes(content)
    else:
        Path(output).write_text(content, encoding="utf-8")
    click.echo(f"wrote the report of article {article_id} to {output}")


def _render_report(settings: Settings, article_report: Any, output_format: str) -> str | bytes:
    # The templates make links with url_for: a request context on the public address.
    app = create_app(settings)
    with app.test_request_context("/", base_url=settings.public_url or DEFAULT_PUBLIC_URL):
        if output_format == "pdf":
            return report_pdf(article_report)
        return report_document(article_report)
