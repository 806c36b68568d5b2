"""The JSON API. Requests must be JSON, which a cross-site form cannot send."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from factcheck.articles.intake import check_text, read_submission, submit_article
from factcheck.articles.serialize import (
    article_detail,
    article_summary,
    claim_counts,
    claim_detail,
    list_articles,
)
from factcheck.articles.splitting import reset_failed
from factcheck.errors import UserError
from factcheck.models import Article, ClaimStatus, Role, utcnow
from factcheck.reports.verification import build_report, report_as_json
from factcheck.review.queue import STATUS_VALUES
from factcheck.review.rules import lease_next, record_verdict
from factcheck.web.auth import role_required
from factcheck.web.db import app_settings, dispatch_split, get_session
from factcheck.web.extensions import LARGEST_ID

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
    limit = min(max(request.args.get("limit", 50, type=int), 1), 500)
    offset = min(max(request.args.get("offset", 0, type=int), 0), LARGEST_ID)
    return jsonify({"articles": list_articles(get_session(), limit=limit, offset=offset)})


@bp.get("/articles/<int:article_id>")
def get_article(article_id: int) -> ResponseReturnValue:
    session = get_session()
    article = session.get(Article, article_id)
    if article is None:
        abort(404, f"There is no article {article_id}.")
    return jsonify(article_detail(session, article))


@bp.get("/articles/<int:article_id>/report")
@role_required(Role.EDITOR)
def article_report(article_id: int) -> ResponseReturnValue:
    report = build_report(get_session(), article_id=article_id, now=utcnow())
    return jsonify(report_as_json(report))


@bp.post("/articles/<int:article_id>/retry")
def retry_article(article_id: int) -> ResponseReturnValue:
    session = get_session()
    article = reset_failed(session, article_id, actor=current_user.username)
    session.commit()
    dispatch_split(article_id)
    return jsonify(article_summary(article, claim_counts(session, [article_id])[article_id]))


@bp.post("/review/next")
def review_next() -> ResponseReturnValue:
    """Lease the next claim to the token's user: 200 with the claim, or 204 when none."""
    session = get_session()
    claim = lease_next(
        session, user=current_user, now=utcnow(), lease_for=app_settings().lease_duration
    )
    session.commit()
    if claim is None:
        return "", 204
    return jsonify(claim_detail(claim))


@bp.post("/claims/<int:claim_id>/verdict")
def claim_verdict(claim_id: int) -> ResponseReturnValue:
    """{"status", "version", "note"?, "evidence_urls"?}; 409 when the claim changed."""
    body = _json_body()
    status = str(body.get("status", ""))
    version = body.get("version")
    if status not in STATUS_VALUES or type(version) is not int or not 0 <= version <= LARGEST_ID:
        raise UserError('Send {"status": "verified|disputed|unsourced", "version": <int>}.')
    session = get_session()
    evidence = body.get("evidence_urls") or []
    if not isinstance(evidence, list):
        raise UserError("evidence_urls must be a list of web addresses.")
    claim = record_verdict(
        session,
        user=current_user,
        claim_id=claim_id,
        status=ClaimStatus(status),
        seen_version=version,
        now=utcnow(),
        note=str(body.get("note") or ""),
        evidence_urls=[str(url) for url in evidence],
    )
    session.commit()
    return jsonify(claim_detail(claim))
