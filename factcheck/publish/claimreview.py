"""ClaimReview (schema.org) for decided claims: the rating scale, one claim's review as a
JSON-LD dict, what is published, the editors' publish switches, and the published
reviews streamed for export.

Plain Python: the web page and the CLI build the public URLs and pass them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from factcheck.audit import record_event
from factcheck.crossref.align import BEARING_HINTS
from factcheck.db import compare_and_set
from factcheck.errors import Conflict, NotFound, UserError
from factcheck.models import Article, Claim, ClaimStatus, CrossReference, Role, User, aware
from factcheck.review.rules import DECISIONS


@dataclass(frozen=True)
class Rating:
    value: int
    name: str  # schema.org `alternateName`: the verdict in words
    meaning: str  # for readers, on the about page


# The published scale, best first. Unsourced sits between the two: nothing we found
# backs the claim, and nothing contradicts it either.
RATINGS: dict[ClaimStatus, Rating] = {
    ClaimStatus.VERIFIED: Rating(
        3, "Verified", "The sources we checked say what the claim says, in the words quoted."
    ),
    ClaimStatus.UNSOURCED: Rating(
        2,
        "Unsourced",
        "We found no source that backs the claim; nothing we found contradicts it either.",
    ),
    ClaimStatus.DISPUTED: Rating(
        1,
        "Disputed",
        "The sources contradict the claim, or do not say what it quotes them as saying.",
    ),
}
BEST_RATING = max(r.value for r in RATINGS.values())
WORST_RATING = min(r.value for r in RATINGS.values())

EXPORT_BATCH = 500


@dataclass(frozen=True)
class Newsroom:
    """Who publishes the reviews: the ClaimReview's author, and its rating scale's page."""

    name: str
    url: str
    ratings_url: str


@dataclass(frozen=True)
class PublishedClaim:
    claim: Claim
    article: Article
    appearances: list[str]  # outlets' pages where the claim was found


def is_published(claim: Claim, article: Article) -> bool:
    """A decided claim is public when an editor published it, or its whole article."""
    return claim.status in DECISIONS and (claim.published or article.published)


def _published_condition() -> Any:
    """`is_published` in SQL, over Claim joined with its Article."""
    return col(Claim.status).in_(DECISIONS) & or_(col(Claim.published), col(Article.published))


def _iso(moment: datetime | None) -> str | None:
    return aware(moment).isoformat() if moment else None


def _claim_author(claim: Claim, article: Article) -> dict[str, Any] | None:
    # The speaker is a person or a body ("diplomatic sources"): schema.org has no type
    # for "a name as printed", and Google takes Person or Organization. A claim with no
    # speaker is the article's own statement, so its publisher said it.
    if claim.speaker:
        return {"@type": "Person", "name": claim.speaker}
    if article.publisher:
        return {"@type": "Organization", "name": article.publisher}
    return None


def _appearances(article: Article, outlet_urls: Sequence[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if article.url:
        page: dict[str, Any] = {"@type": "CreativeWork", "url": article.url}
        if article.title:
            page["headline"] = article.title
        if article.published_at:
            page["datePublished"] = _iso(article.published_at)
        if article.publisher:
            page["publisher"] = {"@type": "Organization", "name": article.publisher}
        found.append(page)
    seen = {article.url}
    for url in outlet_urls:
        if url not in seen:
            seen.add(url)
            found.append({"@type": "CreativeWork", "url": url})
    return found


def _rating(claim: Claim) -> dict[str, Any]:
    rating = RATINGS[claim.status]
    result: dict[str, Any] = {
        "@type": "Rating",
        "ratingValue": rating.value,
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": rating.name,
    }
    if claim.note:
        result["ratingExplanation"] = claim.note
    return result


def claim_review(
    *,
    claim: Claim,
    article: Article,
    newsroom: Newsroom,
    url: str,
    outlet_urls: Sequence[str] = (),
) -> dict[str, Any]:
    """The ClaimReview of a decided claim, as a JSON-LD dict; `url` is its public page and
    `outlet_urls` the outlets' pages where the claim was found (`found_outlet_urls`)."""
    if claim.status not in DECISIONS:
        raise ValueError(f"claim {claim.id} is pending: it has no review")
    item: dict[str, Any] = {"@type": "Claim"}
    author = _claim_author(claim, article)
    if author:
        item["author"] = author
    if article.published_at:
        item["datePublished"] = _iso(article.published_at)
    appearances = _appearances(article, outlet_urls)
    if appearances:
        # Not `firstAppearance`: the article may quote an outlet that printed it earlier.
        item["appearance"] = appearances
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim.text,
        "datePublished": _iso(claim.decided_at),
        "author": {"@type": "Organization", "name": newsroom.name},
        "reviewRating": _rating(claim),
        "itemReviewed": item,
        # The page that explains the rating scale (schema.org: the publisher's principles).
        "publishingPrinciples": newsroom.ratings_url,
    }
    if newsroom.url:
        review["author"]["url"] = newsroom.url
    if claim.evidence_urls:
        review["citation"] = list(claim.evidence_urls)
    return review


def found_outlet_urls(session: Session, claim_ids: Iterable[int]) -> dict[int, list[str]]:
    """Per claim, the outlets' pages where the claim was found, nearest and best first."""
    ids = list(claim_ids)
    found: dict[int, list[str]] = {claim_id: [] for claim_id in ids}
    if not ids:
        return found
    rows = session.exec(
        select(CrossReference.claim_id, CrossReference.url)
        .where(col(CrossReference.claim_id).in_(ids), col(CrossReference.hint).in_(BEARING_HINTS))
        .order_by(
            col(CrossReference.claim_id),
            col(CrossReference.depth),
            col(CrossReference.score).desc(),
            col(CrossReference.id),
        )
    ).all()
    for claim_id, url in rows:
        found[claim_id].append(url)
    return found


def published_claim(session: Session, claim_id: int) -> PublishedClaim | None:
    """The claim with what its review needs, or None when it is missing or not public."""
    claim = session.get(Claim, claim_id)
    if claim is None or not is_published(claim, claim.article):
        return None
    return PublishedClaim(claim, claim.article, found_outlet_urls(session, [claim_id])[claim_id])


# The article's columns a review needs: never its text, which can run to megabytes.
_ARTICLE_FIELDS = load_only(
    *(
        col(field)
        for field in (
            Article.id,
            Article.url,
            Article.title,
            Article.publisher,
            Article.published_at,
            Article.published,
        )
    )
)


def published_claims(
    session: Session, *, since: datetime | None = None, batch_size: int = EXPORT_BATCH
) -> Iterator[PublishedClaim]:
    """Every published decided claim (decided at or after `since`), in id order.

    Memory stays constant however many there are: claims are read in batches after the
    last id seen (a keyset walk over the primary key), and the session's identity map
    holds rows only while the caller does (SQLAlchemy keeps them by weak reference)."""
    conditions = [_published_condition()]
    if since is not None:
        conditions.append(col(Claim.decided_at) >= since)
    last_id = 0
    while True:
        rows = session.exec(
            select(Claim, Article)
            .join(Article, col(Article.id) == Claim.article_id)
            .where(*conditions, col(Claim.id) > last_id)
            .options(_ARTICLE_FIELDS)
            .order_by(col(Claim.id))
            .limit(batch_size)
        ).all()
        if not rows:
            return
        found = found_outlet_urls(session, [claim.id for claim, _article in rows])
        for claim, article in rows:
            yield PublishedClaim(claim, article, found[claim.id])
        last_id = rows[-1][0].id


def claim_reviews(
    session: Session,
    *,
    newsroom: Newsroom,
    review_url: Callable[[int], str],
    since: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """The ClaimReview of every published decided claim, for a bulk export."""
    for item in published_claims(session, since=since):
        yield claim_review(
            claim=item.claim,
            article=item.article,
            newsroom=newsroom,
            url=review_url(item.claim.id),
            outlet_urls=item.appearances,
        )


def _require_editor(user: User) -> None:
    if not user.role.allows(Role.EDITOR):
        raise UserError("Only editors and admins can publish or unpublish reviews.")


def _publish_event(
    session: Session, user: User, object_type: str, object_id: int, published: bool
) -> None:
    record_event(
        session,
        actor=user.username,
        action=f"{object_type}.{'publish' if published else 'unpublish'}",
        object_type=object_type,
        object_id=object_id,
        before={"published": not published},
        after={"published": published},
    )


def set_article_published(
    session: Session, *, user: User, article_id: int, published: bool
) -> Article:
    """An editor publishes (or withdraws) the reviews of all the article's decided
    claims, those decided later included. Setting what is already set changes nothing
    and records nothing. The caller commits."""
    _require_editor(user)
    changed = compare_and_set(
        session, Article, article_id, col(Article.published).is_(not published), published=published
    )
    article = session.get(Article, article_id, populate_existing=True)
    if article is None:
        raise NotFound(f"There is no article {article_id}.")
    if changed:
        _publish_event(session, user, "article", article_id, published)
    return article


def set_claim_published(session: Session, *, user: User, claim_id: int, published: bool) -> Claim:
    """An editor publishes (or withdraws) one claim's review. Only a decided claim can be
    published; the switch stays through a reopen, so the next verdict is public too.
    Publication is no change to the review itself: the claim's version stays, and
    no reviewer's open form goes stale. The caller commits."""
    _require_editor(user)
    conditions = [col(Claim.published).is_(not published)]
    if published:
        conditions.append(col(Claim.status).in_(DECISIONS))
    changed = compare_and_set(session, Claim, claim_id, *conditions, published=published)
    claim = session.get(Claim, claim_id, populate_existing=True)
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    if changed:
        _publish_event(session, user, "claim", claim_id, published)
    elif published and claim.status not in DECISIONS:
        raise Conflict("This claim is pending: it has no review to publish yet.")
    return claim
