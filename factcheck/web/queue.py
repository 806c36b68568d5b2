"""The claim queue: filters, counts per status, pages."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from factcheck.models import ClaimKind, ClaimStatus, utcnow
from factcheck.review.queue import QueueFilter, active_leases, filter_choices, queue_page
from factcheck.web.db import get_session
from factcheck.web.extensions import htmx

bp = Blueprint("queue", __name__)


@bp.get("/queue")
def index() -> ResponseReturnValue:
    session = get_session()
    queue_filter = QueueFilter.from_args(request.args.to_dict())
    now = utcnow()
    result = queue_page(session, queue_filter, request.args.get("page", 1, type=int), now=now)
    context = {
        "result": result,
        "queue_filter": queue_filter,
        "statuses": list(ClaimStatus),
        "kinds": list(ClaimKind),
        "leases": active_leases(session, now=now),
    }
    headers = {"Vary": "HX-Request"}
    # A filter change or a page link swaps only the results; a boosted link or a plain
    # request gets the whole page.
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        return render_template("queue/_results.html", **context), 200, headers
    articles, outlets = filter_choices(session)
    return (
        render_template("queue/index.html", articles=articles, outlets=outlets, **context),
        200,
        headers,
    )
