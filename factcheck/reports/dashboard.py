"""The editors' dashboard: the queue's size and age, verdicts per day, per-reviewer
counts, articles with disputed or unsourced claims, cross-reference failures by outlet.

Plain Python over SQLModel queries: each figure is counted in the database, and its
link opens the queue or list filter behind it (see factcheck.review.queue.QueueFilter). A day's
bar counts verdicts, its list the claims given one: a claim decided, reopened and decided
again that day is two in the bar and one in the list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import Select, String, case, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from factcheck.crossref.health import OutletHealth, outlet_health
from factcheck.models import (
    Article,
    Claim,
    ClaimOutlet,
    ClaimStatus,
    CrossReference,
    CrossrefState,
    Outlet,
    User,
    Verdict,
    aware,
)
from factcheck.review.queue import day_bounds
from factcheck.review.rules import DECISIONS as DECIDED

DAYS = 30
FLAGGED = (ClaimStatus.DISPUTED, ClaimStatus.UNSOURCED)


class UtcDay(FunctionElement):
    """The UTC calendar day of a timestamp as 'YYYY-MM-DD', in SQL.

    Written as literal SQL, never with bound parameters, so that PostgreSQL sees the
    same expression in SELECT and GROUP BY."""

    type = String()
    name = "utc_day"
    inherit_cache = True


@compiles(UtcDay)
def _utc_day_postgresql(element: UtcDay, compiler: Any, **kw: Any) -> str:
    # A timestamptz's date depends on the session's time zone unless pinned to UTC.
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@compiles(UtcDay, "sqlite")
def _utc_day_sqlite(element: UtcDay, compiler: Any, **kw: Any) -> str:
    # SQLite keeps timestamps as UTC text without a zone.
    return f"date({compiler.process(element.clauses, **kw)})"


@dataclass(frozen=True)
class QueueSummary:
    size: int
    oldest_claim_id: int | None = None
    oldest_since: datetime | None = None
    age: timedelta | None = None


@dataclass(frozen=True)
class DayCount:
    day: date
    counts: dict[str, int]  # verdicts per decided status value

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ReviewerCounts:
    username: str
    counts: dict[str, int]  # claims whose standing verdict is theirs, per status value

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class FlaggedArticle:
    article_id: int
    title: str | None
    disputed: int
    unsourced: int


@dataclass
class OutletFailures:
    outlet: str
    fetch_failed_claims: int = 0  # claims with a page at this outlet that failed to fetch
    failed_pages: int = 0
    gathering_failed_claims: int = 0  # claims citing this outlet whose gathering failed


@dataclass(frozen=True)
class Figures:
    now: datetime
    queue: QueueSummary
    days: list[DayCount]
    reviewers: list[ReviewerCounts]
    flagged_total: int
    flagged: list[FlaggedArticle]
    outlet_failures: list[OutletFailures]
    gathering_failed: int
    # Outlets whose latest searches could not be checked (crossref.health), worst first.
    failing_outlets: list[OutletHealth] = field(default_factory=list)
    statuses: tuple[ClaimStatus, ...] = field(default=DECIDED)

    @property
    def outlets_failing_for_most(self) -> list[OutletHealth]:
        return [health for health in self.failing_outlets if health.failing_for_most]


def queue_summary(session: Session, *, now: datetime) -> QueueSummary:
    """Pending claims, and the one waiting longest (since it was split)."""
    size = session.exec(
        select(func.count()).select_from(Claim).where(Claim.status == ClaimStatus.PENDING)
    ).one()
    oldest = session.exec(
        select(Claim.id, Claim.created_at)
        .where(Claim.status == ClaimStatus.PENDING)
        .order_by(col(Claim.created_at), col(Claim.id))
        .limit(1)
    ).first()
    if oldest is None:
        return QueueSummary(size)
    since = aware(oldest[1])
    return QueueSummary(size, oldest[0], since, max(now - since, timedelta(0)))


def window(*, now: datetime, days: int = DAYS) -> list[date]:
    """The last `days` UTC days, today last."""
    today = now.astimezone(UTC).date()
    return [today - timedelta(days=back) for back in range(days - 1, -1, -1)]


def verdicts_per_day(session: Session, *, now: datetime, days: int = DAYS) -> list[DayCount]:
    """Verdicts given on each of the last `days` UTC days, per status; undone ones do
    not count (a reopened verdict does: it was given). A day without any is a zero."""
    span = window(now=now, days=days)
    start, end = day_bounds(span[0])[0], day_bounds(span[-1])[1]
    day = UtcDay(Verdict.created_at)
    rows = session.exec(
        select(day, Verdict.status, func.count())
        .where(
            col(Verdict.created_at) >= start,
            col(Verdict.created_at) < end,
            col(Verdict.undone_at).is_(None),
        )
        .group_by(day, Verdict.status)
    ).all()
    counts = {d: {status.value: 0 for status in DECIDED} for d in span}
    for day_text, status, count in rows:
        counts[date.fromisoformat(day_text)][ClaimStatus(status).value] = count
    return [DayCount(d, counts[d]) for d in span]


def reviewer_counts(session: Session) -> list[ReviewerCounts]:
    """Per reviewer, the claims whose standing verdict is theirs (undone and reopened
    verdicts left the claim), per status; busiest first."""
    rows = session.exec(
        select(User.username, Claim.status, func.count())
        .join(User, col(User.id) == Claim.decided_by_id)
        .where(Claim.status != ClaimStatus.PENDING)
        .group_by(User.username, Claim.status)
    ).all()
    per_user: dict[str, dict[str, int]] = {}
    for username, status, count in rows:
        counts = per_user.setdefault(username, {status.value: 0 for status in DECIDED})
        counts[ClaimStatus(status).value] = count
    found = [ReviewerCounts(name, counts) for name, counts in per_user.items()]
    return sorted(found, key=lambda r: (-r.total, r.username))


def flagged_article_ids() -> Select:
    """The ids of the articles with a disputed or unsourced claim, as a subquery."""
    return select(Claim.article_id).where(col(Claim.status).in_(FLAGGED)).distinct()


def flagged_articles(session: Session, *, limit: int = 10) -> tuple[int, list[FlaggedArticle]]:
    """How many articles have a disputed or unsourced claim, and the `limit` with most."""
    flagged = col(Claim.status).in_(FLAGGED)
    total = session.exec(select(func.count()).select_from(flagged_article_ids().subquery())).one()
    disputed = func.sum(case((Claim.status == ClaimStatus.DISPUTED, 1), else_=0))
    unsourced = func.sum(case((Claim.status == ClaimStatus.UNSOURCED, 1), else_=0))
    rows = session.exec(
        select(Claim.article_id, Article.title, disputed, unsourced)
        .join(Article, col(Article.id) == Claim.article_id)
        .where(flagged)
        .group_by(Claim.article_id, Article.title)
        .order_by(func.count().desc(), col(Claim.article_id).desc())
        .limit(limit)
    ).all()
    return total, [FlaggedArticle(a_id, title, d, u) for a_id, title, d, u in rows]


def crossref_failures(session: Session) -> tuple[list[OutletFailures], int]:
    """Per outlet: claims with a page there that failed to fetch (and those pages), and
    claims citing it whose whole gathering failed; plus all claims whose gathering failed
    (those citing no outlet included)."""
    per_outlet: dict[str, OutletFailures] = {}
    fetches = session.exec(
        select(
            CrossReference.outlet, func.count(func.distinct(CrossReference.claim_id)), func.count()
        )
        .where(col(CrossReference.error).is_not(None))
        .group_by(CrossReference.outlet)
    ).all()
    for outlet, claims, pages in fetches:
        per_outlet[outlet] = OutletFailures(outlet, fetch_failed_claims=claims, failed_pages=pages)
    failed = Claim.crossref_state == CrossrefState.FAILED
    gatherings = session.exec(
        select(Outlet.name, func.count(func.distinct(Claim.id)))
        .join(ClaimOutlet, col(ClaimOutlet.outlet_id) == Outlet.id)
        .join(Claim, col(Claim.id) == ClaimOutlet.claim_id)
        .where(failed)
        .group_by(Outlet.name)
    ).all()
    for outlet, claims in gatherings:
        per_outlet.setdefault(outlet, OutletFailures(outlet)).gathering_failed_claims = claims
    total = session.exec(select(func.count()).select_from(Claim).where(failed)).one()
    ranked = sorted(
        per_outlet.values(),
        key=lambda o: (-(o.fetch_failed_claims + o.gathering_failed_claims), o.outlet),
    )
    return ranked, total


def figures(session: Session, *, now: datetime) -> Figures:
    flagged_total, flagged = flagged_articles(session)
    outlet_failures, gathering_failed = crossref_failures(session)
    return Figures(
        now=now,
        queue=queue_summary(session, now=now),
        days=verdicts_per_day(session, now=now),
        reviewers=reviewer_counts(session),
        flagged_total=flagged_total,
        flagged=flagged,
        outlet_failures=outlet_failures,
        gathering_failed=gathering_failed,
        failing_outlets=[h for h in outlet_health(session, now=now) if h.failing_now],
    )


def describe_age(age: timedelta) -> str:
    """'3 days 4 hours', '2 hours 5 minutes', 'under a minute': two units at most."""
    minutes = int(age.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    units = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    shown = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in units if n][:2]
    return " ".join(shown) or "under a minute"


# The chart: a stacked bar per day, drawn on the server (no chart service, no script).
CHART_WIDTH, CHART_HEIGHT = 720, 260
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 48, 24, 12, 44


def _axis_step(largest: int) -> int:
    """A round step (1, 2, 5, 10, 20, 50, ...) giving at most five gridlines above zero."""
    magnitude = 1
    while True:
        for base in (1, 2, 5):
            if largest <= base * magnitude * 5:
                return base * magnitude
        magnitude *= 10


def _bar_title(day: DayCount) -> str:
    if not day.total:
        return f"{day.day.isoformat()}: no verdicts"
    parts = ", ".join(f"{count} {status}" for status, count in day.counts.items())
    plural = "" if day.total == 1 else "s"
    return f"{day.day.isoformat()}: {day.total} verdict{plural} ({parts})"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _y_axis(top: int, step: int, plot_height: float) -> list[str]:
    parts = ['<g class="axis y-axis">']
    for value in range(0, top + 1, step):
        y = MARGIN_TOP + plot_height - plot_height * value / top
        parts.append(
            f'<line class="grid" x1="{MARGIN_LEFT}" x2="{CHART_WIDTH - MARGIN_RIGHT}" '
            f'y1="{_num(y)}" y2="{_num(y)}"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{_num(y + 4)}" text-anchor="end">{value}</text>'
        )
    middle = MARGIN_TOP + plot_height / 2
    parts.append(
        f'<text class="axis-label" x="12" y="{_num(middle)}" text-anchor="middle" '
        f'transform="rotate(-90 12 {_num(middle)})">Verdicts</text></g>'
    )
    return parts


def _bar(day: DayCount, x: float, slot: float, top: int, plot_height: float, href: str) -> str:
    """One day: a link holding its tooltip, a full-height hit area and a segment per
    status, stacked from the axis up."""
    width = slot * 0.72
    left = x + (slot - width) / 2
    baseline = MARGIN_TOP + plot_height
    parts = [
        f'<a class="bar" href="{escape(href)}" data-day="{day.day.isoformat()}" tabindex="-1">'
        f"<title>{escape(_bar_title(day))}</title>"
        f'<rect class="hit" x="{_num(x)}" y="{MARGIN_TOP}" width="{_num(slot)}" '
        f'height="{_num(plot_height)}"/>'
    ]
    for status, count in day.counts.items():
        if not count:
            continue
        height = plot_height * count / top
        baseline -= height
        parts.append(
            f'<rect class="seg seg-{status}" data-status="{status}" data-count="{count}" '
            f'x="{_num(left)}" y="{_num(baseline)}" width="{_num(width)}" height="{_num(height)}"/>'
        )
    parts.append("</a>")
    return "".join(parts)


def _x_label(index: int, count: int, day: date, x: float) -> str:
    # Every seventh day counted back from today, so the newest day is always labelled.
    if (count - 1 - index) % 7:
        return ""
    y = CHART_HEIGHT - MARGIN_BOTTOM + 16
    return f'<text x="{_num(x)}" y="{y}" text-anchor="middle">{day:%b} {day.day}</text>'


def verdict_chart_svg(
    days: Sequence[DayCount],
    *,
    href: Callable[[date], str],
    title: str,
    chart_id: str = "verdicts-chart",
) -> str:
    """The daily series as an SVG stacked bar chart: one bar per day with a <title> as
    its tooltip, linking to `href(day)`; axes labelled. It is an image to assistive
    technology (role="img", named by its title and description): the page gives the
    same figures as a table."""
    largest = max((day.total for day in days), default=0)
    step = _axis_step(max(largest, 1))
    top = step * max(1, -(-max(largest, 1) // step))
    plot_width = CHART_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_width / max(len(days), 1)
    total = sum(day.total for day in days)
    description = f"{total} verdicts over {len(days)} days; the most on one day: {largest}."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        *_y_axis(top, step, plot_height),
        '<g class="bars">',
    ]
    labels = []
    for index, day in enumerate(days):
        x = MARGIN_LEFT + index * slot
        parts.append(_bar(day, x, slot, top, plot_height, href(day.day)))
        labels.append(_x_label(index, len(days), day.day, x + slot / 2))
    baseline = MARGIN_TOP + plot_height
    parts += [
        "</g>",
        '<g class="axis x-axis">',
        f'<line class="baseline" x1="{MARGIN_LEFT}" x2="{CHART_WIDTH - MARGIN_RIGHT}" '
        f'y1="{_num(baseline)}" y2="{_num(baseline)}"/>',
        *labels,
        f'<text class="axis-label" x="{_num(MARGIN_LEFT + plot_width / 2)}" '
        f'y="{CHART_HEIGHT - 6}" text-anchor="middle">Day (UTC)</text>',
        "</g></svg>",
    ]
    return "".join(parts)
