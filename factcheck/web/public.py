"""The public, read-only pages: one claim's ClaimReview, and the rating scale. No login.

Only what an editor published is shown; anything else (a pending claim, an unpublished
one, no claim at all) is the same 404, so the pages tell nothing about the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from factcheck.config import Settings
from factcheck.publish.claimreview import (
    BEST_RATING,
    RATINGS,
    WORST_RATING,
    Newsroom,
    claim_review,
    published_claim,
)
from factcheck.web.db import app_settings, get_session

bp = Blueprint("public", __name__)
NOT_PUBLISHED = "There is no published review of this claim."


def external_url(app: Flask, base_url: str, endpoint: str, **values: Any) -> str:
    """An absolute URL under `base_url`, from the app's own URL rules: the same in a
    request (behind a proxy, the configured public address wins) and in the CLI, which
    has no request at all."""
    parts = urlsplit(base_url)
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def review_url_for(app: Flask, base_url: str) -> Callable[[int], str]:
    return lambda claim_id: external_url(app, base_url, "public.review", claim_id=claim_id)


def newsroom(app: Flask, settings: Settings, base_url: str) -> Newsroom:
    return Newsroom(
        name=settings.newsroom_name,
        url=settings.newsroom_url or base_url,
        ratings_url=external_url(app, base_url, "public.ratings"),
    )


@bp.context_processor
def _newsroom() -> dict[str, str]:
    settings = app_settings()
    return {"newsroom_name": settings.newsroom_name, "newsroom_url": settings.newsroom_url}


def _base_url() -> str:
    return app_settings().public_url or request.url_root


@bp.get("/claims/<int:claim_id>/review")
def review(claim_id: int) -> ResponseReturnValue:
    found = published_claim(get_session(), claim_id)
    if found is None:
        abort(404, NOT_PUBLISHED)
    app, base = current_app._get_current_object(), _base_url()  # type: ignore[attr-defined]
    data = claim_review(
        claim=found.claim,
        article=found.article,
        newsroom=newsroom(app, app_settings(), base),
        url=external_url(app, base, "public.review", claim_id=claim_id),
        outlet_urls=found.appearances,
    )
    return render_template(
        "public/review.html",
        claim=found.claim,
        article=found.article,
        review=data,
        rating=RATINGS[found.claim.status],
        best=BEST_RATING,
    )


@bp.get("/about/ratings")
def ratings() -> ResponseReturnValue:
    return render_template(
        "public/ratings.html",
        ratings=RATINGS.values(),
        best=BEST_RATING,
        worst=WORST_RATING,
    )
