"""Reviewing: the leased claim on screen, verdicts, skip, undo, reopen, the claim view."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import selectinload
from sqlmodel import col, select

from factcheck.articles.highlight import marked_segments, paragraphs_with_claims
from factcheck.audit.search import object_events
from factcheck.crossref import RecordLocator, WarcArchive, page_text
from factcheck.crossref.store import retry_gathering
from factcheck.errors import UserError
from factcheck.models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    CrossReference,
    FetchedPage,
    RejectedPage,
    Role,
    User,
    utcnow,
)
from factcheck.review.queue import filter_choices
from factcheck.review.rules import (
    ReviewFilter,
    decide,
    held_claim,
    history,
    reassign,
    release_lease,
    renew_lease,
    reopen,
    take_next,
    undo_last,
)
from factcheck.web.auth import role_required, safe_next
from factcheck.web.db import app_settings, get_session
from factcheck.web.extensions import LARGEST_ID, htmx, stored_id
from tasks.crossrefs import dispatch_gathering

bp = Blueprint("review", __name__)
SKIPPED = "skipped_claims"
MAX_SKIPPED = 200


def _review_filter() -> ReviewFilter:
    saved = session.get("review_filter", {})
    kind = saved.get("kind")
    article = saved.get("article")
    return ReviewFilter(
        article_id=article if isinstance(article, int) and 0 < article <= LARGEST_ID else None,
        outlet=saved.get("outlet") or None,
        speaker=saved.get("speaker") or None,
        kind=ClaimKind(kind) if kind in {k.value for k in ClaimKind} else None,
    )


def _claim_context(claim: Claim) -> dict:
    """What the claim view shows: the claim in its paragraph, the article's other
    claims, the claim's history, and the same claim seen in other articles."""
    db = get_session()
    article = claim.article
    paragraphs = paragraphs_with_claims(article.text, article.claims)
    paragraph = next((p for p in paragraphs if any(span.claim is claim for span in p)), [])
    seen_before = db.exec(
        select(Claim)
        .where(Claim.fingerprint == claim.fingerprint, Claim.id != claim.id)
        .options(selectinload(Claim.article))
        .order_by(col(Claim.id).desc())
        .limit(10)
    ).all()
    reviewers = (
        db.exec(select(User.username).where(col(User.active)).order_by(User.username)).all()
        if current_user.role.allows(Role.EDITOR) and claim.status == ClaimStatus.PENDING
        else []
    )
    return {
        "claim": claim,
        "reviewers": reviewers,
        "paragraph": paragraph,
        "history": history(db, claim.id),
        "audit_trail": object_events(db, object_type="claim", object_id=claim.id),
        "seen_before": seen_before,
        "holds_lease": claim.leased_by_id == current_user.id,
    }


def _render_review(
    claim: Claim | None,
    *,
    message: str | None = None,
    status: int = 200,
    queue_empty: bool = False,
) -> ResponseReturnValue:
    context = _claim_context(claim) if claim is not None else {"claim": None}
    # Nav links are boosted htmx requests too: they get the whole page.
    partial = bool(htmx) and not htmx.boosted
    template = "review/_review.html" if partial else "review/index.html"
    if not partial:
        articles, outlets = filter_choices(get_session())
        context |= {"articles": articles, "outlets": outlets, "kinds": list(ClaimKind)}
    page = render_template(
        template,
        message=message,
        message_is_error=status >= 400,
        review_focus=True,
        typed=request.form if status >= 400 else {},
        partial=partial,
        filtered=any(session.get("review_filter", {}).values()),
        saved_filter=session.get("review_filter", {}),
        lease_minutes=app_settings().lease_minutes,
        queue_empty=queue_empty,
        **context,
    )
    return page, status, {"Vary": "HX-Request"}


def _next_claim() -> Claim | None:
    return take_next(
        get_session(),
        user=current_user,
        now=utcnow(),
        lease_for=app_settings().lease_duration,
        review_filter=_review_filter(),
        skip=session.get(SKIPPED, []),
    )


@bp.get("/review")
def index() -> ResponseReturnValue:
    """The claim this reviewer holds, else the button that hands them the next one. A
    link, a browser's prefetch or another site can open this page, so opening it takes
    no lease: leases are taken by POSTs, which carry the CSRF token."""
    claim = held_claim(get_session(), user=current_user, now=utcnow())
    return _render_review(
        claim, message=request.args.get("done"), queue_empty="empty" in request.args
    )


@bp.post("/review/next")
def next_claim() -> ResponseReturnValue:
    """ "Start reviewing": the next claim under a lease (or the one already held)."""
    return _after_change(None)


@bp.post("/review/start")
def start() -> ResponseReturnValue:
    article = request.form.get("article", "")
    if article and request.form.get("article", type=stored_id) is None:
        raise UserError(f"There is no article {article[:20]!r}; choose one from the list.")
    session["review_filter"] = {
        "article": request.form.get("article", type=stored_id),
        "outlet": request.form.get("outlet", ""),
        "speaker": request.form.get("speaker", ""),
        "kind": request.form.get("kind", ""),
    }
    session[SKIPPED] = []
    return _after_change(None)


def _after_change(message: str | None) -> ResponseReturnValue:
    """The next claim, leased, after the reviewer's change (or none, to start)."""
    db = get_session()
    claim = _next_claim()
    db.commit()
    # A boosted form (the filters) is a page load too: its redirect puts /review, not
    # the POST's address, in the address bar and the history.
    if htmx and not htmx.boosted:
        return _render_review(claim, message=message, queue_empty=claim is None)
    empty = "1" if claim is None else None
    return redirect(url_for("review.index", done=message, empty=empty), code=303)


def _form_version() -> int:
    version = request.form.get("version", type=stored_id)
    if version is None:
        raise UserError("The form's claim version is missing or malformed; reload the page.")
    return version


@bp.post("/claims/<int:claim_id>/verdict")
def verdict(claim_id: int) -> ResponseReturnValue:
    db = get_session()
    status_value = request.form.get("status", "")
    try:
        claim = decide(
            db,
            user=current_user,
            claim_id=claim_id,
            status=ClaimStatus(status_value)
            if status_value in ClaimStatus._value2member_map_
            else ClaimStatus.PENDING,
            seen_version=_form_version(),
            now=utcnow(),
            note=request.form.get("note", ""),
            evidence_urls=request.form.get("evidence", "").split(),
        )
    except UserError as error:
        db.rollback()
        current = db.get(Claim, claim_id)
        if current is None:
            abort(404, str(error))
        return _render_review(current, message=str(error), status=error.status_code)
    db.commit()
    return _after_change(f"Marked {claim.status.value}. Press z within 30 s to undo.")


@bp.post("/claims/<int:claim_id>/skip")
def skip(claim_id: int) -> ResponseReturnValue:
    db = get_session()
    released = release_lease(db, user=current_user, claim_id=claim_id, reason="skip")
    db.commit()
    session[SKIPPED] = [*session.get(SKIPPED, []), claim_id][-MAX_SKIPPED:]
    # Not held (decided or taken by another meanwhile): nothing was skipped, only left.
    return _after_change("Skipped; the claim stays in the queue for others." if released else None)


@bp.post("/claims/<int:claim_id>/renew")
def renew(claim_id: int) -> ResponseReturnValue:
    """204 when the lease is renewed, 409 when the reviewer no longer holds it."""
    db = get_session()
    try:
        renew_lease(
            db,
            user=current_user,
            claim_id=claim_id,
            now=utcnow(),
            lease_for=app_settings().lease_duration,
        )
    except UserError as error:
        db.rollback()
        return str(error), error.status_code
    db.commit()
    return "", 204


@bp.post("/review/undo")
def undo() -> ResponseReturnValue:
    db = get_session()
    try:
        claim = undo_last(
            db, user=current_user, now=utcnow(), lease_for=app_settings().lease_duration
        )
    except UserError as error:
        db.rollback()
        held = held_claim(db, user=current_user, now=utcnow())
        return _render_review(held, message=str(error), status=error.status_code)
    db.commit()
    session[SKIPPED] = [c for c in session.get(SKIPPED, []) if c != claim.id]
    if htmx:
        return _render_review(claim, message="Verdict undone: the claim is back with you.")
    return redirect(url_for("review.index"), code=303)


@bp.get("/claims/<int:claim_id>")
def show(claim_id: int) -> ResponseReturnValue:
    claim = get_session().get(Claim, claim_id)
    if claim is None:
        abort(404, f"There is no claim {claim_id}.")
    return render_template("review/claim.html", **_claim_context(claim))


@bp.get("/claims/<int:claim_id>/crossrefs")
def crossrefs(claim_id: int) -> ResponseReturnValue:
    claim = get_session().get(Claim, claim_id)
    if claim is None:
        abort(404, f"There is no claim {claim_id}.")
    return render_template("review/_crossrefs.html", claim=claim)


@bp.post("/claims/<int:claim_id>/crossrefs/retry")
def retry_crossrefs(claim_id: int) -> ResponseReturnValue:
    """Gather the claim's cross-references again: at every outlet, or at the one named
    by the form's `outlet`."""
    outlet = request.form.get("outlet")
    outlets = (outlet,) if outlet else ()
    db = get_session()
    retry_gathering(db, claim_id, actor=current_user.username, outlets=outlets)
    db.commit()
    dispatch_gathering(current_app.extensions["celery"], [claim_id], outlets=outlets)
    if htmx:
        return crossrefs(claim_id)
    return redirect(url_for("review.show", claim_id=claim_id), code=303)


@bp.get("/crossrefs/<int:crossref_id>/archived")
def archived(crossref_id: int) -> ResponseReturnValue:
    """The archived copy of a source."""
    return _archived_copy(get_session().get(CrossReference, crossref_id))


@bp.get("/pages-read/<int:page_id>/archived")
def archived_page_read(page_id: int) -> ResponseReturnValue:
    """The archived copy of a page read for a claim that did not bear on it."""
    return _archived_copy(get_session().get(RejectedPage, page_id))


def _archived_copy(page: FetchedPage | None) -> ResponseReturnValue:
    """A page's archived copy, verified against its SHA-256, shown as text (the outlet's
    own markup and scripts never run here)."""
    if page is None or page.warc_file is None:
        abort(404, "There is no archived copy of this page.")
    copy = WarcArchive(app_settings().archive_dir).read(
        RecordLocator(page.warc_file, page.warc_offset, page.warc_length), sha256=page.sha256
    )
    content_type = copy.headers.get("content-type", "text/html").split(";")[0]
    text = page_text(copy.body.decode("utf-8", errors="replace"), content_type)
    return render_template("review/archived.html", ref=page, copy=copy, text=text)


@bp.app_template_global()
def passage_segments(passage: dict) -> list[tuple[str, bool]]:
    """A stored passage cut into pieces, the matched quote and terms marked."""
    spans = [*passage.get("term_spans", [])]
    if passage.get("quote_span"):
        spans.append(passage["quote_span"])
    return marked_segments(passage["text"], passage.get("start", 0), spans)


@bp.post("/claims/<int:claim_id>/reassign")
@role_required(Role.EDITOR)
def reassign_claim(claim_id: int) -> ResponseReturnValue:
    db = get_session()
    username = request.form.get("reviewer", "")
    to = db.exec(select(User).where(User.username == username)).first()
    try:
        if to is None:
            raise UserError(f"There is no user {username!r}.")
        reassign(
            db,
            user=current_user,
            claim_id=claim_id,
            to=to,
            now=utcnow(),
            lease_for=app_settings().lease_duration,
        )
    except UserError as error:
        db.rollback()
        claim = db.get(Claim, claim_id)
        if claim is None:
            abort(404, str(error))
        page = render_template("review/claim.html", message=str(error), **_claim_context(claim))
        return page, error.status_code
    db.commit()
    return redirect(url_for("review.show", claim_id=claim_id), code=303)


@bp.post("/claims/<int:claim_id>/reopen")
@role_required(Role.EDITOR)
def reopen_claim(claim_id: int) -> ResponseReturnValue:
    db = get_session()
    try:
        reopen(
            db,
            user=current_user,
            claim_id=claim_id,
            reason=request.form.get("reason", ""),
            now=utcnow(),
        )
    except UserError as error:
        db.rollback()
        claim = db.get(Claim, claim_id)
        if claim is None:
            abort(404, str(error))
        return render_template(
            "review/claim.html", message=str(error), **_claim_context(claim)
        ), error.status_code
    db.commit()
    # Back where the editor reopened it from (the report), else to the claim.
    back = request.form.get("next")
    return redirect(safe_next(back, url_for("review.show", claim_id=claim_id)), code=303)
