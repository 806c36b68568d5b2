"""Cross-references in the database: each claim's gathering as a small state machine
(waiting -> running -> done, or failed), and the pages found, kept once per (claim, url).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from factcheck.audit import SYSTEM_ACTOR, record_event
from factcheck.crossref.archive import ArchivedRecord, RecordLocator
from factcheck.crossref.fetcher import FetchResult
from factcheck.crossref.gather import (
    MAX_URL_LENGTH,
    ClaimInArticle,
    Evidence,
    Gathered,
    KnownPage,
)
from factcheck.crossref.outcomes import (
    COULD_NOT_CHECK,
    OUTCOMES,
    REJECTED,
    OutletOutcome,
    meaning_of,
    next_retry,
)
from factcheck.db import compare_and_set
from factcheck.errors import Conflict, NotFound, UserError
from factcheck.models import (
    Article,
    Claim,
    ClaimOutletOutcome,
    CrossReference,
    CrossrefState,
    FetchedPage,
    RejectedPage,
    utcnow,
)


def _transition(
    session: Session, claim_id: int, *, to: CrossrefState, where: Any, error: str | None = None
) -> bool:
    return compare_and_set(
        session,
        Claim,
        claim_id,
        where,
        crossref_state=to,
        crossref_error=error,
        crossref_updated_at=utcnow(),
    )


def start_gathering(session: Session, claim_id: int) -> bool:
    """Take the claim's gathering; False when another worker has it or it is done."""
    return _transition(
        session,
        claim_id,
        to=CrossrefState.RUNNING,
        where=Claim.crossref_state == CrossrefState.WAITING,
    )


def claim_to_check(session: Session, claim_id: int) -> ClaimInArticle:
    claim = session.get(Claim, claim_id)
    article = claim.article
    return ClaimInArticle(
        text=claim.text,
        speaker=claim.speaker,
        kind=claim.kind.value,
        cited_outlets=tuple(outlet.name for outlet in claim.outlets),
        article_text=article.text,
        article_html=article.html,
        article_url=article.url,
        credited_outlets=tuple(article.credited_outlets),
        published=article.published_at,
        known_pages=tuple(_known_pages(session, claim_id)),
    )


def _known_pages(session: Session, claim_id: int) -> Iterator[KnownPage]:
    """The claim's pages fetched before with a validator and an archived copy, those
    that bore on it and those that did not."""
    for table in (CrossReference, RejectedPage):
        rows = session.exec(
            select(table).where(
                table.claim_id == claim_id,
                col(table.warc_file).is_not(None),
                or_(col(table.etag).is_not(None), col(table.last_modified).is_not(None)),
            )
        )
        for row in rows:
            locator = RecordLocator(row.warc_file, row.warc_offset, row.warc_length)
            archived = ArchivedRecord(locator, row.sha256)
            yield KnownPage(row.url, row.etag, row.last_modified, archived)


# The validators' columns (see models.CrossReference): a longer value is not kept.
ETAG_LENGTH = 512
DATE_LENGTH = 64


def _validator(value: str | None, limit: int) -> str | None:
    """A validator worth sending back: short and printable ASCII, as the HTTP grammar
    has them; anything else means the page is fetched whole next time."""
    if value and len(value) <= limit and value.isascii() and value.isprintable():
        return value
    return None


def _memento_url(result: FetchResult | None) -> str | None:
    url = result.memento_url if result else None
    return url if url and len(url) <= MAX_URL_LENGTH else None


def _row_values(found: Evidence) -> dict[str, Any]:
    alignment, result, archived = found.alignment, found.result, found.archived
    live = result is not None and result.memento_url is None
    return {
        "outlet": found.outlet,
        "title": found.title[:500] if found.title else None,
        "published": found.published,
        "source": found.source,
        "parent_url": found.parent_url,
        "depth": found.depth,
        "hint": found.hints[0],
        "hints": list(found.hints),
        "score": alignment.score if alignment else 0.0,
        "passages": [
            {
                "text": scored.passage.text,
                "score": round(scored.score, 4),
                "quote_span": list(scored.quote_span) if scored.quote_span else None,
                "term_spans": [list(span) for span in scored.term_spans],
                "start": scored.passage.start,
            }
            for scored in (alignment.passages if alignment else ())
        ],
        "quote_diff": [list(op) for op in alignment.quote_diff] if alignment else [],
        "http_status": result.status if result else None,
        "fetched_at": result.fetched_at if result else None,
        # An archived copy's validators are the archive's, not the page's own.
        "etag": _validator(result.etag if live else None, ETAG_LENGTH),
        "last_modified": _validator(result.last_modified if live else None, DATE_LENGTH),
        "archive_name": result.archived_by[:100] if result and result.archived_by else None,
        "memento_url": _memento_url(result),
        "sha256": archived.sha256 if archived else None,
        "warc_file": archived.locator.warc_file if archived else None,
        "warc_offset": archived.locator.offset if archived else None,
        "warc_length": archived.locator.length if archived else None,
        "error": found.error,
        "updated_at": utcnow(),
    }


def store_gathered(
    session: Session, claim_id: int, gathered: Gathered, *, only_outlets: tuple[str, ...] = ()
) -> list[CrossReference]:
    """Keep what was found: the pages (updating the rows of pages seen before and removing
    those this gathering no longer found) and each outlet's outcome; mark the claim's
    gathering done, with its audit event. A gathering at `only_outlets` replaces what was
    kept of those outlets (and of the outlets their pages credit) and leaves the rest.
    Nothing is kept when the sweep gave this run up meanwhile (its rerun owns it)."""
    if not _transition(
        session,
        claim_id,
        to=CrossrefState.DONE,
        where=Claim.crossref_state == CrossrefState.RUNNING,
    ):
        return []
    scope = _scope(session, claim_id, gathered, only_outlets) if only_outlets else None
    rows = _store_pages(session, claim_id, gathered.evidence, scope)
    _store_outcomes(session, claim_id, gathered.outcomes, scope)
    record_event(
        session,
        actor=SYSTEM_ACTOR,
        action="crossref.run",
        object_type="claim",
        object_id=claim_id,
        after={
            "pages": len(gathered.evidence),
            "hints": sorted({e.hints[0] for e in gathered.evidence}),
            "outcomes": outcome_counts(o.outcome for o in gathered.outcomes),
        },
    )
    return rows


def _scope(
    session: Session, claim_id: int, gathered: Gathered, only_outlets: tuple[str, ...]
) -> set[str]:
    """The outlets a gathering at `only_outlets` speaks for: those, the outlets it reached
    through their pages, and those reached through their pages before."""
    their_pages = select(CrossReference.url).where(
        CrossReference.claim_id == claim_id, col(CrossReference.outlet).in_(only_outlets)
    )
    reached_before = session.exec(
        select(CrossReference.outlet).where(
            CrossReference.claim_id == claim_id,
            CrossReference.depth > 0,
            col(CrossReference.parent_url).in_(their_pages),
        )
    ).all()
    return {*only_outlets, *(o.outlet for o in gathered.outcomes), *reached_before}


def _is_rejected(found: Evidence) -> bool:
    return found.error is None and meaning_of(found.hints) == REJECTED


def _store_pages(
    session: Session, claim_id: int, evidence: list[Evidence], scope: set[str] | None
) -> list[CrossReference]:
    """Cross-references (pages that bear on the claim or credit another outlet, and pages
    that failed to fetch) in one table, pages read that do not bear on it in another;
    rows of pages seen before are updated, those no longer found removed."""
    rejected = [found for found in evidence if _is_rejected(found)]
    shown = [found for found in evidence if not _is_rejected(found)]
    _keep_rows(session, RejectedPage, claim_id, rejected, _rejected_values, scope)
    return _keep_rows(session, CrossReference, claim_id, shown, _row_values, scope)


def _keep_rows(
    session: Session,
    table: type[CrossReference] | type[RejectedPage],
    claim_id: int,
    evidence: list[Evidence],
    values_of: Callable[[Evidence], dict[str, Any]],
    scope: set[str] | None,
) -> list[Any]:
    """`scope`: the outlets whose rows this gathering replaces (None: every outlet)."""
    found_urls = {found.url for found in evidence}
    rows = {}
    for row in session.exec(select(table).where(table.claim_id == claim_id)):
        if row.url in found_urls:
            rows[row.url] = row
        elif scope is None or row.outlet in scope:
            session.delete(row)
    for found in evidence:
        values = values_of(found)
        row = rows.get(found.url) or table(claim_id=claim_id, url=found.url, **values)
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
        rows[found.url] = row
    return list(rows.values())


def _rejected_values(found: Evidence) -> dict[str, Any]:
    every = _row_values(found)
    return {name: every[name] for name in REJECTED_COLUMNS}


# What a rejected page keeps: the columns every fetched page has, less its keys.
REJECTED_COLUMNS = tuple(set(FetchedPage.model_fields) - {"id", "claim_id", "url"})


def _store_outcomes(
    session: Session, claim_id: int, outcomes: list[OutletOutcome], scope: set[str] | None
) -> None:
    kept = {
        row.outlet: row
        for row in session.exec(
            select(ClaimOutletOutcome).where(ClaimOutletOutcome.claim_id == claim_id)
        )
    }
    now = utcnow()
    for outcome in outcomes:
        row = kept.pop(outcome.outlet, None)
        # Failing again counts on from the tries before; any answer starts afresh.
        failing_before = row is not None and row.outcome == COULD_NOT_CHECK
        tries_before = row.tries if failing_before else 0
        since = row.failing_since if failing_before else None
        row = row or ClaimOutletOutcome(claim_id=claim_id, outlet=outcome.outlet, outcome="")
        row.outcome = outcome.outcome
        row.reason = outcome.reason
        row.searched = outcome.searched.as_dict()
        row.failures = outcome.failures_as_dicts()
        row.depth = outcome.depth
        row.checked_at = now
        row.tries, row.retry_at = next_retry(outcome, tries_before=tries_before, now=now)
        row.failing_since = (since or now) if outcome.outcome == COULD_NOT_CHECK else None
        session.add(row)
    for outlet, no_longer_searched in kept.items():
        if scope is None or outlet in scope:
            session.delete(no_longer_searched)


def outcome_counts(outcomes: Iterable[str]) -> dict[str, int]:
    """How many outlets came to each outcome, every outcome named."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for outcome in outcomes:
        counts[outcome] += 1
    return counts


def claim_outcomes(session: Session, claim_ids: list[int]) -> dict[int, list[ClaimOutletOutcome]]:
    """Each claim's outlet outcomes, the cited outlets (depth 0) first, then by name."""
    found: dict[int, list[ClaimOutletOutcome]] = {claim_id: [] for claim_id in claim_ids}
    if not claim_ids:
        return found
    rows = session.exec(
        select(ClaimOutletOutcome)
        .where(col(ClaimOutletOutcome.claim_id).in_(claim_ids))
        .order_by(ClaimOutletOutcome.depth, ClaimOutletOutcome.outlet)
    )
    for row in rows:
        found[row.claim_id].append(row)
    return found


def return_to_waiting(session: Session, claim_id: int) -> None:
    """Give back a gathering this worker could not finish (the database was away)."""
    _transition(
        session,
        claim_id,
        to=CrossrefState.WAITING,
        where=Claim.crossref_state == CrossrefState.RUNNING,
    )


def fail_gathering(session: Session, claim_id: int, error: str) -> None:
    if _transition(
        session,
        claim_id,
        to=CrossrefState.FAILED,
        where=Claim.crossref_state == CrossrefState.RUNNING,
        error=error[:2000],
    ):
        record_event(
            session,
            actor=SYSTEM_ACTOR,
            action="crossref.failed",
            object_type="claim",
            object_id=claim_id,
            after={"error": error[:500]},
        )


def retry_gathering(
    session: Session, claim_id: int, *, actor: str, outlets: tuple[str, ...] = ()
) -> None:
    """Put the claim back to be gathered: at every outlet, or at `outlets` only (outlets
    its gathering searched first-hand)."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    first_hand = set(searched_first_hand(session, claim_id)) if outlets else set()
    for outlet in outlets:
        if outlet not in first_hand:
            raise UserError(f"{outlet} is not an outlet this claim's gathering searched.")
    if not _transition(
        session,
        claim_id,
        to=CrossrefState.WAITING,
        where=col(Claim.crossref_state).in_([CrossrefState.FAILED, CrossrefState.DONE]),
    ):
        raise Conflict("Cross-references for this claim are being gathered right now.")
    record_event(
        session,
        actor=actor,
        action="crossref.retry",
        object_type="claim",
        object_id=claim_id,
        before={"state": claim.crossref_state.value},
        after={"state": CrossrefState.WAITING.value, **_named(outlets)},
    )


def _named(outlets: tuple[str, ...]) -> dict[str, list[str]]:
    return {"outlets": list(outlets)} if outlets else {}


def searched_first_hand(session: Session, claim_id: int) -> list[str]:
    """The outlets the claim's gathering searched itself (not through a citation chain)."""
    return list(
        session.exec(
            select(ClaimOutletOutcome.outlet).where(
                ClaimOutletOutcome.claim_id == claim_id, ClaimOutletOutcome.depth == 0
            )
        ).all()
    )


def regather_article(session: Session, *, article_id: int, actor: str) -> list[int]:
    """Put every claim of the article back to be gathered (those being gathered now are
    left to finish); the ids of the claims to send to the workers."""
    claims = session.exec(
        select(Claim.id, Claim.crossref_state).where(Claim.article_id == article_id)
    ).all()
    if not claims:
        if session.get(Article, article_id) is None:
            raise NotFound(f"There is no article {article_id}.")
        raise UserError(f"Article {article_id} has no claims to cross-reference (yet).")
    waiting = []
    for claim_id, state in claims:
        if state in (CrossrefState.DONE, CrossrefState.FAILED):
            retry_gathering(session, claim_id, actor=actor)
        if state != CrossrefState.RUNNING:
            waiting.append(claim_id)
    return waiting


def gathering_under_way(session: Session, article_id: int) -> list[int]:
    """The article's claims waiting to be gathered or being gathered now."""
    return list(
        session.exec(
            select(Claim.id).where(
                Claim.article_id == article_id,
                col(Claim.crossref_state).in_([CrossrefState.WAITING, CrossrefState.RUNNING]),
            )
        ).all()
    )


def outcomes_of_article(session: Session, article_id: int) -> dict[str, int]:
    """How many (claim, outlet) searches of the article's claims came to each outcome."""
    rows = session.exec(
        select(ClaimOutletOutcome.outcome, func.count())
        .join(Claim, col(Claim.id) == ClaimOutletOutcome.claim_id)
        .where(Claim.article_id == article_id)
        .group_by(ClaimOutletOutcome.outcome)
    ).all()
    counts = dict.fromkeys(OUTCOMES, 0)
    counts.update({outcome: count for outcome, count in rows if outcome in counts})
    return counts


def gathering_settled(session: Session, claim_ids: list[int]) -> dict[int, CrossrefState]:
    """The claims among `claim_ids` whose gathering is over (done or failed), and how."""
    rows = session.exec(
        select(Claim.id, Claim.crossref_state).where(
            col(Claim.id).in_(claim_ids),
            col(Claim.crossref_state).in_([CrossrefState.DONE, CrossrefState.FAILED]),
        )
    ).all()
    return {claim_id: CrossrefState(state) for claim_id, state in rows}


def requeue_stalled_gathering(
    session: Session, *, now: datetime, stale_after: timedelta
) -> list[int]:
    """Claims whose gathering was never dispatched or died with its worker: back to
    waiting with a fresh clock, to be dispatched again."""
    stalled = session.exec(
        select(Claim.id, Claim.crossref_state)
        .where(
            col(Claim.crossref_state).in_([CrossrefState.WAITING, CrossrefState.RUNNING]),
            func.coalesce(Claim.crossref_updated_at, Claim.created_at) < now - stale_after,
        )
        .order_by(Claim.id)
        .limit(500)
    ).all()
    moved = []
    for claim_id, state in stalled:
        still_stale = func.coalesce(Claim.crossref_updated_at, Claim.created_at) < now - stale_after
        if _transition(
            session,
            claim_id,
            to=CrossrefState.WAITING,
            where=(Claim.crossref_state == state) & still_stale,
        ):
            moved.append(claim_id)
    return moved


def requeue_due_retries(session: Session, *, now: datetime) -> dict[int, tuple[str, ...]]:
    """Claims an outlet of which could not be checked for a passing reason, whose next try
    is due: back to waiting (one audit event each), with the outlets to gather again at
    (none: every outlet, when one of them was reached through a citation chain)."""
    due = session.exec(
        select(ClaimOutletOutcome.claim_id, ClaimOutletOutcome.outlet, ClaimOutletOutcome.depth)
        .join(Claim, col(Claim.id) == ClaimOutletOutcome.claim_id)
        .where(
            col(ClaimOutletOutcome.retry_at) <= now,
            Claim.crossref_state == CrossrefState.DONE,
        )
        .order_by(ClaimOutletOutcome.claim_id)
        .limit(500)
    ).all()
    outlets: dict[int, set[str]] = {}
    whole: set[int] = set()
    for claim_id, outlet, depth in due:
        outlets.setdefault(claim_id, set()).add(outlet)
        if depth:
            whole.add(claim_id)
    requeued = {}
    for claim_id, names in outlets.items():
        at = () if claim_id in whole else tuple(sorted(names))
        try:
            retry_gathering(session, claim_id, actor=SYSTEM_ACTOR, outlets=at)
        except Conflict:
            continue  # being gathered right now: its outcome is renewed anyway
        requeued[claim_id] = at
    return requeued


def article_progress(session: Session, article_id: int) -> dict[str, int]:
    """How many of the article's claims are in each gathering state, and in all."""
    rows = session.exec(
        select(Claim.crossref_state, func.count())
        .where(Claim.article_id == article_id)
        .group_by(Claim.crossref_state)
    ).all()
    counts = {state.value: 0 for state in CrossrefState}
    counts.update({CrossrefState(state).value: count for state, count in rows})
    counts["total"] = sum(counts[state.value] for state in CrossrefState)
    return counts
