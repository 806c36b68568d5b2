"""The admin's audit page: the log with filters and pages, a chain check, and exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue

from factcheck.audit import ChainReport, ExportFilter, export_lines, verify_database
from factcheck.audit.search import (
    AuditQuery,
    describe_change,
    events_page,
    filter_choices,
    page_numbers,
)
from factcheck.errors import UserError
from factcheck.models import Role, utcnow
from factcheck.web.auth import role_required
from factcheck.web.db import get_session
from factcheck.web.extensions import htmx

bp = Blueprint("admin", __name__)
CONTENT_TYPES = {
    "jsonl": "application/x-ndjson; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


def _partial() -> bool:
    # A filter change or a page link swaps only the events; a boosted link, a history
    # restore or a plain request gets the whole page.
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _render(query: AuditQuery, *, status: int = 200, **context: Any) -> ResponseReturnValue:
    context |= {"query": query, "page_numbers": page_numbers}
    headers = {"Vary": "HX-Request"}
    if _partial():
        return render_template("admin/_events.html", **context), status, headers
    actions, object_types = filter_choices(get_session())
    page = render_template(
        "admin/audit.html", actions=actions, object_types=object_types, **context
    )
    return page, status, headers


@bp.get("/admin/audit")
@role_required(Role.ADMIN)
def audit() -> ResponseReturnValue:
    try:
        query = AuditQuery.from_args(request.args.to_dict())
    except UserError as error:
        # The typed values stay in the form, with what is wrong with them.
        typed = AuditQuery(request.args.to_dict(), ExportFilter())
        return _render(typed, result=None, error=str(error), status=error.status_code)
    result = events_page(get_session(), query.export_filter, request.args.get("page", 1, type=int))
    return _render(query, result=result)


@bp.post("/admin/audit/verify")
@role_required(Role.ADMIN)
def verify() -> ResponseReturnValue:
    """Check the whole chain in the database against its head."""
    report: ChainReport = verify_database(get_session())
    if htmx and not htmx.boosted:
        return render_template("admin/_verify.html", report=report)
    query = AuditQuery.from_args({})
    return _render(query, result=events_page(get_session(), query.export_filter), report=report)


@bp.get("/admin/audit/export.<any(jsonl, csv):file_format>")
@role_required(Role.ADMIN)
def export(file_format: str) -> ResponseReturnValue:
    """The filtered events as a file, streamed in batches (constant memory), up to the
    chain's head read first; its header records that head."""
    query = AuditQuery.from_args(request.args.to_dict())
    lines = export_lines(get_session(), query.export_filter, file_format)
    filename = f"audit-{utcnow():%Y%m%dT%H%M%SZ}.{file_format}"
    return Response(
        stream_with_context(lines),
        content_type=CONTENT_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.app_template_filter("change")
def change_filter(event: Any) -> str:
    return describe_change(event.before, event.after)
