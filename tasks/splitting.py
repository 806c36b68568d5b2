"""Tasks that split articles into claims. Thin: ids in, one domain call per step."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Celery
from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy.exc import OperationalError as DatabaseUnavailable

from factcheck.articles.splitting import (
    fail_split,
    finish_split,
    requeue_stalled,
    return_to_received,
    start_split,
)
from factcheck.crossref.store import requeue_due_retries, requeue_stalled_gathering
from factcheck.db import session_scope
from factcheck.extract import extract
from factcheck.models import Article, utcnow
from tasks.app import SPLIT_TASK, SWEEP_TASK, celery_app, live_registry, settings
from tasks.crossrefs import dispatch_gathering

log = logging.getLogger(__name__)


@celery_app.task(
    name=SPLIT_TASK, autoretry_for=(DatabaseUnavailable,), retry_backoff=True, max_retries=5
)
def split_article(article_id: int) -> int:
    """Split one article; returns how many claims were queued (0 when nothing to do)."""
    config = settings()
    with session_scope(config.database_url) as session:
        if not start_split(session, article_id):
            return 0
        text = session.get(Article, article_id).text
        registry = live_registry().current(session)
    try:
        extraction = extract(text, registry=registry)
        with session_scope(config.database_url) as session:
            claims = finish_split(
                session,
                article_id,
                extraction,
                registry,
                gather_crossrefs=config.crossref_enabled,
            )
            claim_ids = [claim.id for claim in claims]
        if config.crossref_enabled:
            dispatch_gathering(celery_app, claim_ids)  # after the commit, never before
        return len(claim_ids)
    except DatabaseUnavailable:
        # Passing trouble: hand the article back so that the retry (or, if this write
        # fails too, the sweep) takes it up again.
        with session_scope(config.database_url) as session:
            return_to_received(session, article_id)
        raise
    except Exception as error:
        # A fault of the article or of our code: recorded on the article for the UI and
        # the CLI, then raised for the worker's log.
        with session_scope(config.database_url) as session:
            fail_split(session, article_id, f"{type(error).__name__}: {error}")
        raise


@celery_app.task(name=SWEEP_TASK)
def sweep_stalled_articles() -> list[int]:
    """Re-dispatch splits and gatherings that were never sent, lost, or abandoned by a dead
    worker, and gather again the claims whose outlets could not be checked for a passing
    reason once their next try is due."""
    config = settings()
    stale_after = timedelta(seconds=config.stale_after_seconds)
    with session_scope(config.database_url) as session:
        stalled = requeue_stalled(session, now=utcnow(), stale_after=stale_after)
        claims, retries = [], {}
        if config.crossref_enabled:
            claims = requeue_stalled_gathering(
                session,
                now=utcnow(),
                stale_after=timedelta(seconds=config.crossref_stale_after_seconds),
            )
            retries = requeue_due_retries(session, now=utcnow())
    for article_id in stalled:
        dispatch_split(celery_app, article_id)
    dispatch_gathering(celery_app, claims)
    for claim_id, outlets in retries.items():
        dispatch_gathering(celery_app, [claim_id], outlets=outlets)
    return stalled


def dispatch_split(app: Celery, article_id: int) -> bool:
    """Ask a worker to split the article; False (the sweep will send it later) when the
    broker cannot be reached. Call only after the article's row is committed."""
    try:
        app.send_task(SPLIT_TASK, args=[article_id], retry=False)
    except (BrokerUnavailable, OSError) as error:
        log.warning("split of article %s not dispatched: %s", article_id, error)
        return False
    return True
