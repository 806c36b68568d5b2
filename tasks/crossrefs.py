"""Gathering a claim's cross-references. Thin: an id in, the domain does the work."""

from __future__ import annotations

import logging

from celery import Celery
from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy.exc import OperationalError as DatabaseUnavailable

from factcheck.crossref import FetchPolicy, WarcArchive
from factcheck.crossref.gather import gather
from factcheck.crossrefs import (
    claim_to_check,
    fail_gathering,
    return_to_waiting,
    start_gathering,
    store_evidence,
)
from factcheck.db import session_scope
from tasks.app import GATHER_TASK, celery_app, registry, settings

log = logging.getLogger(__name__)


@celery_app.task(
    name=GATHER_TASK, autoretry_for=(DatabaseUnavailable,), retry_backoff=True, max_retries=5
)
def gather_crossrefs(claim_id: int) -> int:
    """Gather one claim's cross-references; returns how many pages were considered."""
    config = settings()
    if not config.crossref_enabled:
        return 0
    with session_scope(config.database_url) as session:
        if not start_gathering(session, claim_id):
            return 0
        claim = claim_to_check(session, claim_id)
    policy = FetchPolicy(
        allow_hosts=config.fetch_allow_hosts,
        per_host_limit=config.fetch_per_host,
        min_delay=config.fetch_min_delay,
        timeout=config.fetch_timeout,
        max_bytes=config.max_article_bytes,
        slots_dir=config.instance_dir / "host-slots",
    )
    try:
        evidence = gather(
            claim,
            registry=registry(),
            policy=policy,
            archive=WarcArchive(config.archive_dir),
            wire_agencies=config.wire_agencies,
            chain_depth=config.crossref_depth,
        )
        with session_scope(config.database_url) as session:
            return len(store_evidence(session, claim_id, evidence))
    except DatabaseUnavailable:
        # Passing trouble: hand the claim back for the retry (or, failing that, the sweep).
        with session_scope(config.database_url) as session:
            return_to_waiting(session, claim_id)
        raise
    except Exception as error:
        # Shown on the claim with a retry button, then raised for the worker's log. The
        # sweep takes up a claim whose failure could not be recorded.
        with session_scope(config.database_url) as session:
            fail_gathering(session, claim_id, f"{type(error).__name__}: {error}")
        raise


def dispatch_gathering(app: Celery, claim_ids: list[int]) -> int:
    """Ask workers to gather each claim's cross-references; how many were sent. Claims
    not sent stay waiting, and the sweep sends them later."""
    sent = 0
    for claim_id in claim_ids:
        try:
            app.send_task(GATHER_TASK, args=[claim_id], retry=False)
        except (BrokerUnavailable, OSError) as error:
            log.warning("gathering of claim %s not dispatched: %s", claim_id, error)
            break
        sent += 1
    return sent
