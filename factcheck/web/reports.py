"""The verification report of an article: a page to read and print, and a PDF."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, jsonify, render_template
from flask.typing import ResponseReturnValue

from factcheck.errors import NotFound
from factcheck.models import Role, utcnow
from factcheck.reports.verification import ArticleReport, build_report, report_as_json
from factcheck.web.auth import role_required
from factcheck.web.db import get_session

bp = Blueprint("reports", __name__)
PRINT_STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "report-print.css"


def _report_or_404(article_id: int) -> ArticleReport:
    try:
        return build_report(get_session(), article_id=article_id, now=utcnow())
    except NotFound as error:
        abort(404, str(error))


@bp.get("/articles/<int:article_id>/report")
@role_required(Role.EDITOR)
def show(article_id: int) -> ResponseReturnValue:
    return render_template("reports/show.html", report=_report_or_404(article_id))


@bp.get("/articles/<int:article_id>/report.json")
@role_required(Role.EDITOR)
def json_report(article_id: int) -> ResponseReturnValue:
    """The report as JSON in the editor's browser session (the API takes tokens only)."""
    return jsonify(report_as_json(_report_or_404(article_id)))


@bp.get("/articles/<int:article_id>/report.pdf")
@role_required(Role.EDITOR)
def pdf(article_id: int) -> ResponseReturnValue:
    report = _report_or_404(article_id)
    return Response(
        report_pdf(report),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{report_filename(report, "pdf")}"'},
    )


def report_document(report: ArticleReport) -> str:
    """The report as one self-contained HTML document (inline style, absolute links).
    Needs a request context, for the links."""
    return render_template(
        "reports/print.html",
        report=report,
        stylesheet=PRINT_STYLESHEET.read_text(encoding="utf-8"),
    )


def report_pdf(report: ArticleReport) -> bytes:
    from weasyprint import HTML  # heavy to import: only where a PDF is made

    return HTML(string=report_document(report), url_fetcher=_no_fetching).write_pdf()


def _no_fetching(url: str, *_args: object, **_kwargs: object) -> dict:
    # The document is self-contained; nothing in it (a claim's text included) may make
    # the server fetch a URL while the PDF is drawn.
    raise ValueError(f"the report does not load {url}")


def report_filename(report: ArticleReport, extension: str) -> str:
    return f"factcheck-report-article-{report.article_id}.{extension}"
