"""`factcheck crossref`: gather an article's cross-references again, and wait for them."""

from __future__ import annotations

import sys
import time

import click

from factcheck.cli.common import cli_settings
from factcheck.config import Settings
from factcheck.crossref.outcomes import COULD_NOT_CHECK, OUTCOME_LABELS
from factcheck.crossref.store import (
    gathering_settled,
    gathering_under_way,
    outcomes_of_article,
    regather_article,
)
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
    asked for only if they changed). A gathering already under way is waited for, not
    started again. With --wait, exits 1 when a claim's gathering failed or an outlet
    could not be checked."""
    settings = cli_settings()
    if not settings.crossref_enabled:
        raise click.ClickException("Cross-referencing is turned off (FACTCHECK_CROSSREF=0).")
    try:
        with session_scope(settings.database_url) as session:
            claim_ids = gathering_under_way(session, article_id)
            under_way = bool(claim_ids)
            if not under_way:
                claim_ids = regather_article(session, article_id=article_id, actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from error
    if under_way:
        click.echo(
            f"article {article_id}: {len(claim_ids)} claims are being cross-referenced already"
        )
    else:
        dispatch_gathering(make_celery(settings), claim_ids)
        click.echo(f"article {article_id}: {len(claim_ids)} claims sent to be cross-referenced")
    if not wait:
        return
    settled = _wait_for_gathering(settings, claim_ids, timeout)
    failed = sum(state.value == "failed" for state in settled.values())
    click.echo(f"{len(settled) - failed} gathered, {failed} failed")
    with session_scope(settings.database_url) as session:
        counts = outcomes_of_article(session, article_id)
    click.echo("outlets: " + ", ".join(f"{n} {OUTCOME_LABELS[o]}" for o, n in counts.items()))
    if len(settled) < len(claim_ids):
        raise click.ClickException(f"not every claim was gathered within {timeout:g} s")
    if failed or counts[COULD_NOT_CHECK]:
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
