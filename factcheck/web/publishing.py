"""Editors' publish switches: one claim's review, or all of an article's, made public.

Each switch is a small widget: htmx swaps it in place, and without JavaScript the form
posts and comes back to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session

from factcheck.errors import UserError
from factcheck.models import Article, Claim, Role
from factcheck.publish.claimreview import is_published, set_article_published, set_claim_published
from factcheck.web.auth import role_required
from factcheck.web.db import get_session
from factcheck.web.extensions import htmx

bp = Blueprint("publishing", __name__)
VARY = {"Vary": "HX-Request"}


@bp.app_template_global()
def review_is_public(claim: Claim) -> bool:
    return is_published(claim, claim.article)


def _wanted() -> bool:
    return request.form.get("published") == "1"


def _refused(error: UserError, model: type[Claim] | type[Article], row_id: int) -> Claim | Article:
    """The row as it is now, for the widget that shows why the switch was refused."""
    db = get_session()
    db.rollback()
    row = db.get(model, row_id)
    if row is None or not htmx:
        raise error
    return row


def _switch(
    change: Callable[[Session], Any],
    model: type[Claim] | type[Article],
    row_id: int,
    name: str,
    back: str,
) -> ResponseReturnValue:
    """Flip a publish switch: its widget again (htmx), or back to the page (a form)."""
    template = f"publishing/_{name}_switch.html"
    db = get_session()
    try:
        found = change(db)
    except UserError as error:
        current = _refused(error, model, row_id)
        page = render_template(template, **{name: current}, publish_message=str(error))
        return page, error.status_code, VARY
    db.commit()
    if htmx:
        return render_template(template, **{name: found}), 200, VARY
    return redirect(back, code=303)


@bp.post("/claims/<int:claim_id>/publish")
@role_required(Role.EDITOR)
def claim(claim_id: int) -> ResponseReturnValue:
    return _switch(
        lambda db: set_claim_published(
            db, user=current_user, claim_id=claim_id, published=_wanted()
        ),
        Claim,
        claim_id,
        "claim",
        url_for("review.show", claim_id=claim_id),
    )


@bp.post("/articles/<int:article_id>/publish")
@role_required(Role.EDITOR)
def article(article_id: int) -> ResponseReturnValue:
    return _switch(
        lambda db: set_article_published(
            db, user=current_user, article_id=article_id, published=_wanted()
        ),
        Article,
        article_id,
        "article",
        url_for("articles.show", article_id=article_id),
    )
