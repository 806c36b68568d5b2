"""Splitting an article into claims, as a small state machine kept in the article row.

received -> splitting -> queued, or -> failed (with the error), and failed -> received on
retry. Each step is a short transaction so that a crash anywhere leaves a state the sweep
can see and re-dispatch; a duplicate dispatch finds nothing to do.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from factcheck.audit import SYSTEM_ACTOR, record_event
from factcheck.db import compare_and_set
from factcheck.errors import Conflict, NotFound
from factcheck.extract import Extraction
from factcheck.models import (
    Article,
    ArticleState,
    Claim,
    ClaimKind,
    ClaimOutlet,
    CrossrefState,
    Outlet,
    utcnow,
)
from factcheck.outlets.registry import Registry


def claim_fingerprint(text: str) -> str:
    """The same claim in other articles (other quotes, spacing, case) has the same one."""
    letters = unicodedata.normalize("NFKC", text).casefold()
    words = "".join(ch if ch.isalnum() else " " for ch in letters).split()
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def _transition(
    session: Session, article_id: int, *, to: ArticleState, where: object, error: str | None = None
) -> bool:
    """Compare-and-set of the article's state; True when this caller made the change."""
    return compare_and_set(
        session, Article, article_id, where, state=to, error=error, updated_at=utcnow()
    )


def _state_event(
    session: Session,
    article_id: int,
    action: str,
    before: ArticleState,
    after: ArticleState,
    **details: Any,
) -> None:
    """The audit event of a state change the system made to an article."""
    record_event(
        session,
        actor=SYSTEM_ACTOR,
        action=action,
        object_type="article",
        object_id=article_id,
        before={"state": before.value},
        after={"state": after.value, **details},
    )


def start_split(session: Session, article_id: int) -> bool:
    """Take the article for splitting. False when it is gone, done, or already taken
    (a duplicate dispatch), so that only one worker splits it."""
    taken = _transition(
        session, article_id, to=ArticleState.SPLITTING, where=Article.state == ArticleState.RECEIVED
    )
    if taken:
        _state_event(
            session,
            article_id,
            "article.split_started",
            ArticleState.RECEIVED,
            ArticleState.SPLITTING,
        )
    return taken


def _outlet_rows(session: Session, names: set[str], registry: Registry) -> dict[str, Outlet]:
    """The outlets' rows, made where missing. Two workers may make the same outlet at
    once: the insert skips a name that exists, then both read the one row."""
    known = set(session.exec(select(Outlet.name).where(col(Outlet.name).in_(names))).all())
    missing = [
        {
            "name": name,
            "aliases": list(entry.aliases) if entry else [],
            "domains": list(entry.domains) if entry else [],
        }
        for name in sorted(names - known)
        for entry in [registry.get(name)]
    ]
    if missing:
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(Outlet).values(missing).on_conflict_do_nothing(index_elements=["name"])
        )
    rows = session.exec(select(Outlet).where(col(Outlet.name).in_(names))).all()
    return {outlet.name: outlet for outlet in rows}


def finish_split(
    session: Session,
    article_id: int,
    extraction: Extraction,
    registry: Registry,
    *,
    gather_crossrefs: bool = True,
) -> list[Claim]:
    """Store the claims and queue them, if the article is still being split. Their
    cross-references wait to be gathered, unless gathering is switched off."""
    article = session.get(Article, article_id, with_for_update=True, populate_existing=True)
    if article is None or article.state != ArticleState.SPLITTING:
        return []
    outlets = _outlet_rows(
        session, {name for c in extraction.claims for name in c.cited_outlets}, registry
    )
    claims = [
        Claim(
            article_id=article_id,
            position=position,
            text=found.text,
            start=found.start,
            end=found.end,
            speaker=found.speaker,
            kind=ClaimKind(found.kind),
            checkworthiness=found.checkworthiness,
            fingerprint=claim_fingerprint(found.text),
            crossref_state=CrossrefState.WAITING if gather_crossrefs else CrossrefState.DONE,
        )
        for position, found in enumerate(extraction.claims)
    ]
    session.add_all(claims)
    session.flush()
    session.add_all(
        ClaimOutlet(claim_id=claim.id, outlet_id=outlets[name].id)
        for claim, found in zip(claims, extraction.claims, strict=True)
        for name in dict.fromkeys(found.cited_outlets)
    )
    article.title = article.title or extraction.title
    article.published_at = article.published_at or extraction.published
    article.credited_outlets = list(extraction.credited_outlets)
    article.state = ArticleState.QUEUED
    article.error = None
    article.updated_at = utcnow()
    _state_event(
        session,
        article_id,
        "article.split",
        ArticleState.SPLITTING,
        ArticleState.QUEUED,
        claims=len(claims),
    )
    return claims


def return_to_received(session: Session, article_id: int) -> bool:
    """Give back an article this worker took for splitting but could not finish."""
    returned = _transition(
        session, article_id, to=ArticleState.RECEIVED, where=Article.state == ArticleState.SPLITTING
    )
    if returned:
        _state_event(
            session,
            article_id,
            "article.split_returned",
            ArticleState.SPLITTING,
            ArticleState.RECEIVED,
        )
    return returned


def fail_split(session: Session, article_id: int, error: str) -> None:
    if _transition(
        session,
        article_id,
        to=ArticleState.FAILED,
        where=Article.state == ArticleState.SPLITTING,
        error=error[:2000],
    ):
        _state_event(
            session,
            article_id,
            "article.split_failed",
            ArticleState.SPLITTING,
            ArticleState.FAILED,
            error=error[:500],
        )


def reset_failed(session: Session, article_id: int, *, actor: str) -> Article:
    """Put a failed article back to `received`, so that it is split again."""
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"There is no article {article_id}.")
    if not _transition(
        session, article_id, to=ArticleState.RECEIVED, where=Article.state == ArticleState.FAILED
    ):
        raise Conflict(
            f"Article {article_id} is {article.state.value}; only a failed split can be retried."
        )
    record_event(
        session,
        actor=actor,
        action="article.split_retry",
        object_type="article",
        object_id=article_id,
        before={"state": ArticleState.FAILED.value, "error": article.error},
        after={"state": ArticleState.RECEIVED.value},
    )
    session.refresh(article)
    return article


def set_pinned(session: Session, *, article_id: int, pinned: bool, actor: str) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"There is no article {article_id}.")
    if article.pinned != pinned:
        record_event(
            session,
            actor=actor,
            action="article.pin" if pinned else "article.unpin",
            object_type="article",
            object_id=article_id,
            before={"pinned": article.pinned},
            after={"pinned": pinned},
        )
        article.pinned = pinned
    return article


def requeue_stalled(session: Session, *, now: datetime, stale_after: timedelta) -> list[int]:
    """Articles whose split was never dispatched, was lost with its message, or died with
    its worker (received or splitting, untouched for longer than `stale_after`), put back
    to received with a fresh clock, so that they are dispatched again once per period."""
    stalled = session.exec(
        select(Article.id, Article.state)
        .where(
            col(Article.state).in_([ArticleState.RECEIVED, ArticleState.SPLITTING]),
            Article.updated_at < now - stale_after,
        )
        .order_by(Article.id)
        .limit(500)
        .with_for_update(skip_locked=True)
    ).all()
    moved = []
    for article_id, state in stalled:
        if not _transition(
            session,
            article_id,
            to=ArticleState.RECEIVED,
            where=(Article.state == state) & (Article.updated_at < now - stale_after),
        ):
            continue  # a worker finished it between our read and our write
        moved.append(article_id)
        if state == ArticleState.SPLITTING:
            _state_event(
                session,
                article_id,
                "article.split_abandoned",
                ArticleState.SPLITTING,
                ArticleState.RECEIVED,
            )
    return moved
