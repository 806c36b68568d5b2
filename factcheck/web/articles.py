"""Submitting articles, following their split, and reading them with claims in place."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import selectinload
from sqlmodel import col, func, select

from factcheck.articles.highlight import paragraphs_with_claims
from factcheck.articles.intake import Upload, read_submission, submit_article
from factcheck.articles.serialize import claim_counts
from factcheck.articles.splitting import reset_failed, set_pinned
from factcheck.crossref.store import article_progress
from factcheck.errors import UserError
from factcheck.models import Article, ArticleState, Claim, Role
from factcheck.reports.dashboard import flagged_article_ids
from factcheck.web.auth import role_required
from factcheck.web.db import app_settings, dispatch_split, get_session
from factcheck.web.extensions import htmx

bp = Blueprint("articles", __name__)
ARTICLES_PER_PAGE = 20


def _article_or_404(article_id: int) -> Article:
    article = (
        get_session()
        .exec(
            select(Article)
            .where(Article.id == article_id)
            .options(selectinload(Article.claims).selectinload(Claim.outlets))
        )
        .first()
    )
    if article is None:
        abort(404, f"There is no article {article_id}.")
    return article


def _recent_articles(
    page: int, *, flagged: bool = False
) -> tuple[list[Article], int, int, dict[int, dict[str, int]]]:
    """A page of articles, newest first: the articles, the page shown, the page count and
    the claim counts per article. `flagged`: only those with a disputed or unsourced claim."""
    session = get_session()
    only = [col(Article.id).in_(flagged_article_ids())] if flagged else []
    total = session.exec(select(func.count()).select_from(Article).where(*only)).one()
    pages = max(1, -(-total // ARTICLES_PER_PAGE))
    page = min(max(page, 1), pages)
    articles = list(
        session.exec(
            select(Article)
            .where(*only)
            .order_by(col(Article.id).desc())
            .offset((page - 1) * ARTICLES_PER_PAGE)
            .limit(ARTICLES_PER_PAGE)
        ).all()
    )
    return articles, page, pages, claim_counts(session, [a.id for a in articles])


@bp.get("/")
def submit_form() -> ResponseReturnValue:
    articles, _page, _pages, counts = _recent_articles(1)
    return render_template("articles/submit.html", articles=articles[:8], counts=counts)


@bp.post("/articles")
def submit() -> ResponseReturnValue:
    session = get_session()
    upload = request.files.get("file")
    try:
        content, url = read_submission(
            text=request.form.get("text", ""),
            upload=Upload(upload.filename or "upload", upload.read())
            if upload and upload.filename
            else None,
            url=request.form.get("url", ""),
            settings=app_settings(),
        )
        submission = submit_article(
            session, content=content, url=url, submitted_by=current_user.username
        )
        session.commit()
    except UserError as error:
        session.rollback()
        return (
            render_template("articles/submit.html", error=str(error), form=request.form),
            error.status_code,
        )
    if submission.created:
        dispatch_split(submission.article.id)
    return redirect(
        url_for(
            "articles.show", article_id=submission.article.id, duplicate=int(not submission.created)
        ),
        code=303,
    )


@bp.get("/articles")
def index() -> ResponseReturnValue:
    flagged = request.args.get("flagged") == "1"
    articles, page, pages, counts = _recent_articles(
        request.args.get("page", 1, type=int), flagged=flagged
    )
    return render_template(
        "articles/index.html",
        articles=articles,
        counts=counts,
        page=page,
        pages=pages,
        flagged=flagged,
    )


@bp.get("/articles/<int:article_id>")
def show(article_id: int) -> ResponseReturnValue:
    article = _article_or_404(article_id)
    return render_template(
        "articles/show.html",
        article=article,
        progress=article_progress(get_session(), article.id),
        paragraphs=paragraphs_with_claims(article.text, article.claims),
        duplicate=request.args.get("duplicate") == "1",
    )


@bp.get("/articles/<int:article_id>/status")
def status(article_id: int) -> ResponseReturnValue:
    article = _article_or_404(article_id)
    headers = {"Vary": "HX-Request"}
    settled = article.state in (ArticleState.QUEUED, ArticleState.FAILED)
    was_splitting = request.args.get("was") in (ArticleState.RECEIVED, ArticleState.SPLITTING)
    if htmx and settled and was_splitting:
        # Once, when the split settles: the page then loads the claims that arrived.
        headers["HX-Trigger"] = "article-settled"
    progress = article_progress(get_session(), article.id)
    return (
        render_template("articles/_status.html", article=article, progress=progress),
        200,
        headers,
    )


@bp.post("/articles/<int:article_id>/pin")
@role_required(Role.EDITOR)
def pin(article_id: int) -> ResponseReturnValue:
    """An editor puts (or takes) the article's claims at the top of the review queue."""
    session = get_session()
    set_pinned(
        session,
        article_id=article_id,
        pinned=request.form.get("pinned") == "1",
        actor=current_user.username,
    )
    session.commit()
    return redirect(url_for("articles.show", article_id=article_id), code=303)


@bp.post("/articles/<int:article_id>/retry")
def retry(article_id: int) -> ResponseReturnValue:
    session = get_session()
    try:
        reset_failed(session, article_id, actor=current_user.username)
        session.commit()
    except UserError as error:
        session.rollback()
        abort(error.status_code, str(error))
    dispatch_split(article_id)
    if htmx:
        return status(article_id)
    return redirect(url_for("articles.show", article_id=article_id), code=303)
