"""`factcheck crossref`: gather an article's cross-references again, and wait for them."""

from __future__ import annotations

import sys
import time

import click

from factcheck.cli.common import cli_settings
from factcheck.config import Settings
from factcheck.crossref.store import gathering_settled, regather_article
from factcheck.db import session_scope
from factcheck.errors import UserError
from tasks.app import make_celery
from tasks.crossrefs import dispatch_gathering


@click.command()
@click.argument("article_id", type=int)
@click.option("--wait", is_flag=True, help="Wait until every claim's gathering is over.")
@click.option("--timeout", type=float, default=600.0, show_default=True)
def crossref(article_id: int, wait: bool, timeout: float) -> None:
    """Gather the cross-references of ARTICLE_ID's claims again (pages fetched before are
    asked for only if they changed)."""
    settings = cli_settings()
    if not settings.crossref_enabled:
        raise click.ClickException("Cross-referencing is turned off (FACTCHECK_CROSSREF=0).")
    try:
        with session_scope(settings.database_url) as session:
            claim_ids = regather_article(session, article_id=article_id, actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from error
    dispatch_gathering(make_celery(settings), claim_ids)
    click.echo(f"article {article_id}: {len(claim_ids)} claims sent to be cross-referenced")
    if not wait:
        return
    settled = _wait_for_gathering(settings, claim_ids, timeout)
    failed = sum(state.value == "failed" for state in settled.values())
    click.echo(f"{len(settled) - failed} gathered, {failed} failed")
    if len(settled) < len(claim_ids):
        raise click.ClickException(f"not every claim was gathered within {timeout:g} s")
    if failed:
        sys.exit(1)


def _wait_for_gathering(settings: Settings, claim_ids: list[int], timeout: float) -> dict:
    """Poll until every claim's gathering is over, or `timeout`; the claims settled."""
    deadline = time.monotonic() + timeout
    settled: dict = {}
    bar = click.progressbar(length=len(claim_ids), label="cross-referencing", file=sys.stderr)
    with bar:
        while len(settled) < len(claim_ids) and time.monotonic() < deadline:
            with session_scope(settings.database_url) as session:
                now_settled = gathering_settled(session, claim_ids)
            bar.update(len(now_settled) - len(settled))
            settled = now_settled
            time.sleep(0.2)
    return settled
