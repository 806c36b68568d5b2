"""Gathering claims' cross-references in batches. Thin: ids in, the domain does the work."""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import urlsplit

from celery import Celery
from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy.exc import OperationalError as DatabaseUnavailable

from factcheck.config import Settings
from factcheck.crossref import FetchPolicy, WarcArchive
from factcheck.crossref.gates import LimiterUnavailable
from factcheck.crossref.gather import gather_batch
from factcheck.crossref.routes import Routes
from factcheck.crossref.store import (
    claim_to_check,
    fail_gathering,
    return_to_waiting,
    start_gathering,
    store_gathered,
)
from factcheck.db import session_scope
from tasks.app import GATHER_TASK, celery_app, live_registry, settings

log = logging.getLogger(__name__)


# Claims gathered by one task: an article's claims that cite the same outlet share its
# feeds, sitemaps and the pages they rank (fetched once per batch, not once per claim),
# while a long article still spreads over the worker's threads and processes.
GATHER_BATCH = 8


@celery_app.task(
    name=GATHER_TASK,
    autoretry_for=(DatabaseUnavailable, LimiterUnavailable),
    retry_backoff=True,
    max_retries=5,
)
def gather_crossrefs(*claim_ids: int, outlets: list[str] | None = None) -> int:
    """Gather the cross-references of a batch of claims (one or more ids; claims taken by
    another worker or already done are left out), at `outlets` only when given; returns
    how many pages were kept."""
    config = settings()
    if not config.crossref_enabled:
        return 0
    with session_scope(config.database_url) as session:
        taken = [claim_id for claim_id in claim_ids if start_gathering(session, claim_id)]
        only = tuple(outlets or ())
        claims = [
            replace(claim_to_check(session, claim_id), only_outlets=only) for claim_id in taken
        ]
        registry = live_registry().current(session)
    if not taken:
        return 0
    try:
        gathered = gather_batch(
            claims,
            registry=registry,
            policy=fetch_policy(config),
            archive=WarcArchive(config.archive_dir),
            wire_agencies=config.wire_agencies,
            chain_depth=config.crossref_depth,
            pages_per_outlet=config.pages_per_outlet,
            routes=routes_of(config),
        )
        # One transaction for the batch: one commit (and one turn at the audit chain's
        # head) instead of one per claim.
        with session_scope(config.database_url) as session:
            return sum(
                len(store_gathered(session, claim_id, found, only_outlets=only))
                for claim_id, found in zip(taken, gathered, strict=True)
            )
    except (DatabaseUnavailable, LimiterUnavailable):
        # Passing trouble: hand the claims back for the retry (or, failing that, the sweep).
        with session_scope(config.database_url) as session:
            for claim_id in taken:
                return_to_waiting(session, claim_id)
        raise
    except Exception as error:
        # Shown on each claim with a retry button, then raised for the worker's log. The
        # sweep takes up claims whose failure could not be recorded.
        with session_scope(config.database_url) as session:
            for claim_id in taken:
                fail_gathering(session, claim_id, f"{type(error).__name__}: {error}")
        raise


def routes_of(config: Settings) -> Routes:
    return Routes(
        full_sitemaps=config.full_sitemaps,
        archive_index_url=config.archive_index_url,
        archive_timemap_url=config.archive_timemap_url,
        archive_name=config.archive_name,
        news_search_url=config.news_search_url,
    )


def _route_delays(config: Settings) -> tuple[tuple[str, float], ...]:
    """Each route API's host with its own pace (the archive's, the news search's)."""
    paced = [
        (config.archive_index_url, config.archive_min_delay),
        (config.archive_timemap_url, config.archive_min_delay),
        (config.news_search_url, config.news_search_min_delay),
    ]
    delays = {urlsplit(url).hostname: delay for url, delay in paced if url}
    return tuple((host, delay) for host, delay in delays.items() if host)


def fetch_policy(config: Settings) -> FetchPolicy:
    return FetchPolicy(
        host_delays=_route_delays(config),
        allow_hosts=config.fetch_allow_hosts,
        per_host_limit=config.fetch_per_host,
        min_delay=config.fetch_min_delay,
        timeout=config.fetch_timeout,
        max_bytes=config.max_article_bytes,
        slots_dir=config.instance_dir / "host-slots",
        limiter_url=config.fetch_limiter_url,
        limiter_prefix=config.broker_key_prefix,
    )


def dispatch_gathering(app: Celery, claim_ids: list[int], *, outlets: tuple[str, ...] = ()) -> int:
    """Ask workers to gather the claims' cross-references, GATHER_BATCH claims a task
    (ids next to each other are usually of one article), at `outlets` only when given;
    how many claims were sent. Claims not sent stay waiting, and the sweep sends them
    later (at every outlet)."""
    sent = 0
    for first in range(0, len(claim_ids), GATHER_BATCH):
        batch = claim_ids[first : first + GATHER_BATCH]
        try:
            options = {"kwargs": {"outlets": list(outlets)}} if outlets else {}
            app.send_task(GATHER_TASK, args=batch, retry=False, **options)
        except (BrokerUnavailable, OSError) as error:
            log.warning("gathering of claims %s not dispatched: %s", batch, error)
            break
        sent += len(batch)
    return sent
