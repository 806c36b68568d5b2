"""`factcheck export`: what the newsroom published, as ClaimReview lines."""

from __future__ import annotations

import json

import click

from factcheck.cli.common import cli_settings, parse_moment
from factcheck.config import DEFAULT_PUBLIC_URL
from factcheck.db import session_scope
from factcheck.publish.claimreview import claim_reviews
from factcheck.web import create_app
from factcheck.web.public import newsroom, review_url_for


@click.group()
def export() -> None:
    """Export what the newsroom published."""


@export.command("claimreview")
@click.option("--since", help="ISO-8601; claims decided at or after it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def export_claimreview(since: str | None, output: str) -> None:
    """Write the ClaimReview (schema.org) of every published decided claim, one JSON
    object a line. URLs start with FACTCHECK_PUBLIC_URL."""
    settings = cli_settings()
    # The app only lends its URL rules, so the links are the ones the web serves.
    app, base = create_app(settings), settings.public_url or DEFAULT_PUBLIC_URL
    count = 0
    with (
        session_scope(settings.database_url) as session,
        open(output, "w", encoding="utf-8") as out,
    ):
        for review in claim_reviews(
            session,
            newsroom=newsroom(app, settings, base),
            review_url=review_url_for(app, base),
            since=parse_moment(since),
        ):
            out.write(json.dumps(review, ensure_ascii=False) + "\n")
            count += 1
    click.echo(f"exported {count} ClaimReviews to {output}")
