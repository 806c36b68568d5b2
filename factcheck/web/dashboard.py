"""The editors' dashboard: each figure links to the filtered queue or list behind it."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from factcheck.crossref.health import RECENT
from factcheck.models import Role, utcnow
from factcheck.reports.dashboard import describe_age, figures, verdict_chart_svg
from factcheck.web.auth import role_required
from factcheck.web.db import get_session

bp = Blueprint("dashboard", __name__)


def day_url(day: date) -> str:
    """The claims given a verdict that day, whatever their status now."""
    return url_for("queue.index", decided_on=day.isoformat(), status="all")


@bp.get("/dashboard")
@role_required(Role.EDITOR)
def index() -> ResponseReturnValue:
    found = figures(get_session(), now=utcnow())
    first, last = found.days[0].day, found.days[-1].day
    chart = verdict_chart_svg(
        found.days, href=day_url, title=f"Verdicts per day, {first} to {last} (UTC)"
    )
    return render_template(
        "dashboard/index.html",
        figures=found,
        chart=Markup(chart),  # built from numbers, dates and escaped text only
        day_url=day_url,
        age=describe_age(found.queue.age) if found.queue.age is not None else None,
        recent_days=RECENT.days,
    )
