"""Small builders shared by tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from factcheck.articles.intake import submit_article
from factcheck.articles.splitting import finish_split, start_split
from factcheck.crossref.align import QUOTE_DIFFERS
from factcheck.extract import extract
from factcheck.models import (
    Article,
    Claim,
    ClaimOutletOutcome,
    ClaimStatus,
    CrossReference,
    CrossrefState,
    User,
    utcnow,
)
from factcheck.outlets.registry import Registry, load_registry
from factcheck.review.rules import decide

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
REUTERS_URL = "https://www.reuters.com/article/nato-coalition"


def split_now(
    session: Session, content: str, submitted_by: str = "test", registry: Registry | None = None
) -> Article:
    """Submit and split an article in this process, as a worker would."""
    article = submit_article(session, content=content, submitted_by=submitted_by).article
    session.commit()
    assert start_split(session, article.id)
    registry = registry or load_registry()
    finish_split(session, article.id, extract(article.text, registry=registry), registry)
    session.commit()
    session.refresh(article)
    return article


def give_verdict(
    session: Session, user: User, claim: Claim, status: ClaimStatus, note: str = ""
) -> None:
    decide(
        session,
        user=user,
        claim_id=claim.id,
        status=status,
        seen_version=claim.version,
        now=NOW,
        note=note or f"{status.value} by {user.username}",
    )
    session.commit()
    session.refresh(claim)


def add_evidence(
    session: Session, claim: Claim, outlet: str, url: str, hint: str, *more_hints: str
) -> None:
    session.add(
        CrossReference(
            claim_id=claim.id,
            outlet=outlet,
            url=url,
            source="feed",
            hint=hint,
            hints=[hint, *more_hints],
            score=1.0,
            passages=[{"text": "NATO as an institution will join the coalition.", "start": 0}],
            quote_diff=[["equal", "NATO as an"], ["insert", "institution"]]
            if hint == QUOTE_DIFFERS
            else [],
            fetched_at=NOW - timedelta(hours=1),
        )
    )
    claim.crossref_state = CrossrefState.DONE
    session.add(claim)
    session.commit()


def add_outcome(
    session: Session,
    claim: Claim,
    outlet: str,
    outcome: str,
    failures: list | None = None,
    *,
    reason: str | None = None,
    checked_at: datetime | None = None,
) -> None:
    """Record what searching `outlet` for the claim came to, as a gathering would (which
    records a failure with every search that could not be checked)."""
    reason = reason or f"{outlet}: {outcome}"
    if failures is None and outcome == "could_not_check":
        failures = [{"url": f"https://{outlet.lower()}.example/feed", "kind": "timeout",
                     "message": reason}]
    session.add(
        ClaimOutletOutcome(
            claim_id=claim.id,
            outlet=outlet,
            outcome=outcome,
            reason=reason,
            searched={"routes": [f"https://{outlet.lower()}.example/feed"], "listings": 1},
            failures=failures or [],
            checked_at=checked_at or utcnow(),
        )
    )
    claim.crossref_state = CrossrefState.DONE
    session.add(claim)
    session.commit()
