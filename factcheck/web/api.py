"""The JSON API. Requests must be JSON, which a cross-site form cannot send."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from factcheck.errors import UserError
from factcheck.intake import check_text, read_submission, submit_article
from factcheck.models import Article
from factcheck.serialize import article_detail, article_summary, claim_counts, list_articles
from factcheck.splitting import reset_failed
from factcheck.web.db import app_settings, dispatch_split, get_session

bp = Blueprint("api", __name__, url_prefix="/api")


def _json_body() -> dict:
    if not request.is_json:
        raise UserError("Send the article as JSON (Content-Type: application/json).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise UserError("The request body is not a JSON object.")
    return body


def _published_at(body: dict) -> datetime | None:
    raw = body.get("published_at")
    if raw in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(raw))
    except ValueError as error:
        raise UserError(f"published_at {raw!r} is not an ISO-8601 date.") from error


@bp.post("/articles")
def create_article() -> ResponseReturnValue:
    session = get_session()
    body = _json_body()
    settings = app_settings()
    if body.get("html"):
        content, url = (
            check_text(str(body["html"]), max_bytes=settings.max_article_bytes),
            body.get("url"),
        )
    else:
        content, url = read_submission(
            text=str(body.get("text") or ""), url=str(body.get("url") or ""), settings=settings
        )
    submission = submit_article(
        session,
        content=content,
        url=url,
        submitted_by=current_user.username,
        published_at=_published_at(body),
        publisher=body.get("publisher"),
    )
    session.commit()
    article = submission.article
    if submission.created:
        dispatch_split(article.id)
    payload = {
        **article_summary(article, claim_counts(session, [article.id])[article.id]),
        "created": submission.created,
        "href": url_for("api.get_article", article_id=article.id),
    }
    return jsonify(payload), 201 if submission.created else 200


@bp.get("/articles")
def get_articles() -> ResponseReturnValue:
    limit = min(request.args.get("limit", 50, type=int), 500)
    offset = max(request.args.get("offset", 0, type=int), 0)
    return jsonify({"articles": list_articles(get_session(), limit=limit, offset=offset)})


@bp.get("/articles/<int:article_id>")
def get_article(article_id: int) -> ResponseReturnValue:
    session = get_session()
    article = session.get(Article, article_id)
    if article is None:
        abort(404, f"There is no article {article_id}.")
    return jsonify(article_detail(session, article))


@bp.post("/articles/<int:article_id>/retry")
def retry_article(article_id: int) -> ResponseReturnValue:
    session = get_session()
    article = reset_failed(session, article_id, actor=current_user.username)
    session.commit()
    dispatch_split(article_id)
    return jsonify(article_summary(article, claim_counts(session, [article_id])[article_id]))
