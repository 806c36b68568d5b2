"""A known data set for the dashboard: verdicts on chosen days, an undone one, flagged
articles, a claim waiting longest, cross-reference failures at chosen outlets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from factcheck.models import (
    Article,
    Claim,
    ClaimOutlet,
    ClaimStatus,
    CrossReference,
    CrossrefState,
    Outlet,
    Role,
    User,
    utcnow,
)
from factcheck.review.rules import decide, undo_last
from tests.conftest import FIXTURES
from tests.helpers import split_now

OTHER_ARTICLE = FIXTURES / "articles" / "agency-gas-transit-2024.txt"


@dataclass
class Seeded:
    now: datetime
    demo: Article
    other: Article
    claims: dict[str, int]  # role in the data set -> claim id


def _decide(session: Session, user: User, claim_id: int, status: ClaimStatus, at: datetime) -> None:
    claim = session.get(Claim, claim_id)
    decide(
        session,
        user=user,
        claim_id=claim_id,
        status=status,
        seen_version=claim.version,
        now=at,
        note="" if status == ClaimStatus.VERIFIED else "See the notes.",
    )
    session.commit()


def _reuters_claims(session: Session, article: Article) -> list[int]:
    return list(
        session.exec(
            select(Claim.id)
            .join(ClaimOutlet, col(ClaimOutlet.claim_id) == Claim.id)
            .join(Outlet, col(Outlet.id) == ClaimOutlet.outlet_id)
            .where(Outlet.name == "Reuters", Claim.article_id == article.id)
            .order_by(Claim.id)
        ).all()
    )


def _failed_page(session: Session, claim_id: int, outlet: str, number: int) -> None:
    session.add(
        CrossReference(
            claim_id=claim_id,
            outlet=outlet,
            url=f"https://{outlet.lower().replace(' ', '')}.example/story-{number}",
            source="feed",
            hint="fetch failed",
            hints=["fetch failed"],
            error="connect timeout",
        )
    )


def seed(session: Session, make_user: Callable[..., User], demo_text: str) -> Seeded:
    """Today: ann verifies two claims (and bob one, which he undoes); yesterday bob marks
    one unsourced; two days ago ann disputes one; 40 days ago bob verified one. The other
    article gets one disputed claim today."""
    now = utcnow()
    demo = split_now(session, demo_text)
    other = split_now(session, OTHER_ARTICLE.read_text(encoding="utf-8"))
    ann, bob = make_user("ann", Role.REVIEWER), make_user("bob", Role.REVIEWER)
    reuters = _reuters_claims(session, demo)
    plain = [c.id for c in demo.claims if c.id not in reuters]
    claims = {
        "ann_today_1": plain[0],
        "ann_today_2": plain[1],
        "ann_disputed": plain[2],
        "bob_unsourced": plain[3],
        "bob_old": plain[4],
        "bob_undone": plain[5],
        "other_disputed": other.claims[0].id,
        "gathering_failed_reuters": reuters[0],
        "gathering_failed_none": plain[6],
        "fetch_failed_1": reuters[1],
        "fetch_failed_2": plain[7],
        "oldest_pending": plain[8],
    }
    _decide(session, ann, claims["ann_today_1"], ClaimStatus.VERIFIED, now - timedelta(minutes=5))
    _decide(session, ann, claims["ann_today_2"], ClaimStatus.VERIFIED, now - timedelta(minutes=4))
    _decide(session, ann, claims["ann_disputed"], ClaimStatus.DISPUTED, now - timedelta(days=2))
    _decide(session, bob, claims["bob_unsourced"], ClaimStatus.UNSOURCED, now - timedelta(days=1))
    _decide(session, bob, claims["bob_old"], ClaimStatus.VERIFIED, now - timedelta(days=40))
    _decide(
        session, ann, claims["other_disputed"], ClaimStatus.DISPUTED, now - timedelta(minutes=3)
    )
    undone_at = now - timedelta(minutes=2)
    _decide(session, bob, claims["bob_undone"], ClaimStatus.VERIFIED, undone_at)
    undo_last(session, user=bob, now=undone_at + timedelta(seconds=5), lease_for=timedelta(0))
    session.commit()

    for key in ("gathering_failed_reuters", "gathering_failed_none"):
        session.get(Claim, claims[key]).crossref_state = CrossrefState.FAILED
    _failed_page(session, claims["fetch_failed_1"], "Reuters", 1)
    _failed_page(session, claims["fetch_failed_1"], "Reuters", 2)
    _failed_page(session, claims["fetch_failed_2"], "Reuters", 3)
    _failed_page(session, claims["fetch_failed_2"], "Al Jazeera", 4)
    session.get(Claim, claims["oldest_pending"]).created_at = now - timedelta(days=3, hours=2)
    session.commit()
    return Seeded(now, demo, other, claims)
