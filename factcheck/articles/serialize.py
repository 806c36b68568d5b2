"""Articles and claims as JSON-ready dicts: one shape for the API and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from factcheck.crossref.outcomes import meaning_of
from factcheck.crossref.store import claim_outcomes
from factcheck.models import (
    Article,
    Claim,
    ClaimOutletOutcome,
    ClaimStatus,
    CrossReference,
    aware,
)
from factcheck.review.rules import ClaimRecord


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def claim_counts(session: Session, article_ids: list[int]) -> dict[int, dict[str, int]]:
    counts = {a: {status.value: 0 for status in ClaimStatus} for a in article_ids}
    rows = session.exec(
        select(Claim.article_id, Claim.status, func.count())
        .where(col(Claim.article_id).in_(article_ids))
        .group_by(Claim.article_id, Claim.status)
    ).all()
    for article_id, status, count in rows:
        counts[article_id][ClaimStatus(status).value] = count
    return counts


def article_summary(article: Article, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "state": article.state.value,
        "error": article.error,
        "published_at": _iso(article.published_at),
        "submitted_by": article.submitted_by,
        "created_at": _iso(article.created_at),
        "claims": counts,
    }


def claim_detail(claim: ClaimRecord) -> dict[str, Any]:
    return {
        "id": claim.id,
        "position": claim.position,
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "speaker": claim.speaker,
        "cited_outlets": list(claim.cited_outlets),
        "kind": claim.kind.value,
        "checkworthiness": round(claim.checkworthiness, 3),
        "status": claim.status.value,
        "fingerprint": claim.fingerprint,
        "version": claim.version,
    }


def crossref_detail(ref: CrossReference) -> dict[str, Any]:
    """A cross-reference as the CLI and the API show it: the page, as its outlet listed
    it, the copy kept of it (SHA-256), the hint and the best passage."""
    return {
        "outlet": ref.outlet,
        "url": ref.url,
        "title": ref.title,
        "published": _iso(ref.published),
        "fetched_at": _iso(ref.fetched_at),
        "sha256": ref.sha256,
        "hint": ref.hint,
        "hints": ref.hints,
        "meaning": meaning_of(ref.hints),
        "score": round(ref.score, 3),
        "passage": ref.passages[0]["text"] if ref.passages else None,
        "via": ref.parent_url,
        "error": ref.error,
        # A copy read from a web archive (the page gone from its site): `fetched_at` is
        # then the archive's capture time.
        "archive_name": ref.archive_name,
        "memento_url": ref.memento_url,
    }


def outcome_detail(row: ClaimOutletOutcome) -> dict[str, Any]:
    """What searching one outlet for the claim came to (see crossref.outcomes)."""
    return {
        "outlet": row.outlet,
        "outcome": row.outcome,
        "reason": row.reason,
        "searched": {
            "routes": row.searched.get("routes", []),
            "listings": row.searched.get("listings", 0),
            "pages_read": row.searched.get("pages_read", 0),
            "window": row.searched.get("window"),
        },
        "failures": row.failures,
        "depth": row.depth,
        "checked_at": _iso(aware(row.checked_at)),
        "tries": row.tries,
        "retry_at": _iso(aware(row.retry_at) if row.retry_at else None),
    }


def article_detail(session: Session, article: Article) -> dict[str, Any]:
    summary = article_summary(article, claim_counts(session, [article.id])[article.id])
    found: dict[int, list[dict[str, Any]]] = {}
    for ref in session.exec(
        select(CrossReference)
        .join(Claim, col(Claim.id) == CrossReference.claim_id)
        .where(Claim.article_id == article.id, col(CrossReference.error).is_(None))
        .order_by(
            col(CrossReference.claim_id),
            col(CrossReference.depth),
            col(CrossReference.score).desc(),
        )
    ):
        found.setdefault(ref.claim_id, []).append(crossref_detail(ref))
    outcomes = claim_outcomes(session, [claim.id for claim in article.claims])
    return {
        **summary,
        "publisher": article.publisher,
        "credited_outlets": article.credited_outlets,
        "text": article.text,
        "claim_list": [
            {
                **claim_detail(ClaimRecord.of(claim)),
                "crossref_state": claim.crossref_state.value,
                "cross_references": found.get(claim.id, []),
                "outlet_outcomes": [outcome_detail(row) for row in outcomes[claim.id]],
            }
            for claim in article.claims
        ],
    }


def list_articles(session: Session, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    articles = session.exec(
        select(Article).order_by(col(Article.id).desc()).offset(offset).limit(limit)
    ).all()
    counts = claim_counts(session, [a.id for a in articles])
    return [article_summary(a, counts[a.id]) for a in articles]
