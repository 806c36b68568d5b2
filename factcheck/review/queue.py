"""Reading the claim queue: filters, counts per status and pages."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from math import ceil

from sqlalchemy import func
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from factcheck.models import (
    Article,
    Claim,
    ClaimKind,
    ClaimOutlet,
    ClaimStatus,
    CrossReference,
    CrossrefState,
    Outlet,
    User,
    Verdict,
    aware,
)

PAGE_SIZE = 25
STATUS_VALUES = frozenset(status.value for status in ClaimStatus)
CROSSREF_VALUES = frozenset(state.value for state in CrossrefState)
KIND_VALUES = frozenset(kind.value for kind in ClaimKind)


def _day(value: str) -> date | None:
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None
    # The last day of the calendar has no next midnight to end it (see day_bounds).
    return day if day is not None and day < date.max else None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC day as [start, end): range conditions on a timestamp use its index."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class QueueFilter:
    article_id: int | None = None
    status: ClaimStatus | None = ClaimStatus.PENDING
    outlet: str | None = None
    speaker: str | None = None
    text: str | None = None
    kind: ClaimKind | None = None
    # The dashboard's figures link here with these (the form has no menus for them).
    reviewer: str | None = None  # whose verdict the claim holds
    decided_on: date | None = None  # a verdict, not undone, given that UTC day
    crossref: CrossrefState | None = None
    fetch_failed: str | None = None  # an outlet where a source page failed to fetch

    @classmethod
    def from_args(cls, args: dict[str, str]) -> QueueFilter:
        """Filters from query-string values; unknown or empty values are ignored."""
        status_arg = args.get("status", ClaimStatus.PENDING.value)
        article = args.get("article", "")
        crossref = args.get("crossref", "")
        kind = args.get("kind", "")
        return cls(
            article_id=int(article) if article.isdecimal() and len(article) < 10 else None,
            status=ClaimStatus(status_arg) if status_arg in STATUS_VALUES else None,
            outlet=args.get("outlet") or None,
            speaker=(args.get("speaker") or "").strip() or None,
            text=(args.get("q") or "").strip() or None,
            kind=ClaimKind(kind) if kind in KIND_VALUES else None,
            reviewer=(args.get("reviewer") or "").strip() or None,
            decided_on=_day(args.get("decided_on", "")),
            crossref=CrossrefState(crossref) if crossref in CROSSREF_VALUES else None,
            fetch_failed=args.get("fetch_failed") or None,
        )

    @property
    def narrowed(self) -> bool:
        """True when the user chose any filter other than the default (pending claims)."""
        return self != QueueFilter()

    def as_args(self) -> dict[str, str]:
        return {
            key: value
            for key, value in {
                "article": str(self.article_id) if self.article_id else "",
                "status": self.status.value if self.status else "all",
                "outlet": self.outlet or "",
                "speaker": self.speaker or "",
                "q": self.text or "",
                "kind": self.kind.value if self.kind else "",
                "reviewer": self.reviewer or "",
                "decided_on": self.decided_on.isoformat() if self.decided_on else "",
                "crossref": self.crossref.value if self.crossref else "",
                "fetch_failed": self.fetch_failed or "",
            }.items()
            if value
        }

    def dashboard_filters(self) -> list[tuple[str, str, str]]:
        """The filters set by the dashboard's links: (argument, value, description)."""
        shown = [
            ("reviewer", self.reviewer, f"decided by {self.reviewer}"),
            ("decided_on", self.decided_on, f"given a verdict on {self.decided_on} (UTC)"),
            ("crossref", self.crossref, f"cross-referencing {self.crossref}"),
            ("fetch_failed", self.fetch_failed, f"a source at {self.fetch_failed} failed to fetch"),
        ]
        return [(name, str(value), text) for name, value, text in shown if value]

    def without_dashboard_filters(self) -> dict[str, str]:
        return replace(
            self, reviewer=None, decided_on=None, crossref=None, fetch_failed=None
        ).as_args()


@dataclass(frozen=True)
class QueuePage:
    claims: list[Claim]
    total: int
    page: int
    pages: int
    counts: dict[str, int]
    # Who holds a live lease on the claims of this page: claim id -> username.
    reviewing: dict[int, str]


def like_pattern(text: str) -> str:
    """`text` anywhere, with LIKE's wildcards in it taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(queue_filter: QueueFilter) -> list:
    conditions = []
    if queue_filter.article_id is not None:
        conditions.append(Claim.article_id == queue_filter.article_id)
    if queue_filter.outlet:
        cited = (
            select(ClaimOutlet.claim_id)
            .join(Outlet, Outlet.id == ClaimOutlet.outlet_id)
            .where(Outlet.name == queue_filter.outlet)
        )
        conditions.append(col(Claim.id).in_(cited))
    if queue_filter.speaker:
        conditions.append(col(Claim.speaker).ilike(like_pattern(queue_filter.speaker), escape="\\"))
    if queue_filter.text:
        conditions.append(col(Claim.text).ilike(like_pattern(queue_filter.text), escape="\\"))
    if queue_filter.kind:
        conditions.append(Claim.kind == queue_filter.kind)
    return conditions + _dashboard_conditions(queue_filter)


def _dashboard_conditions(queue_filter: QueueFilter) -> list:
    conditions = []
    if queue_filter.reviewer:
        reviewer = select(User.id).where(User.username == queue_filter.reviewer)
        conditions.append(col(Claim.decided_by_id).in_(reviewer))
    if queue_filter.decided_on:
        start, end = day_bounds(queue_filter.decided_on)
        given = select(Verdict.claim_id).where(
            col(Verdict.created_at) >= start,
            col(Verdict.created_at) < end,
            col(Verdict.undone_at).is_(None),
        )
        conditions.append(col(Claim.id).in_(given))
    if queue_filter.crossref:
        conditions.append(Claim.crossref_state == queue_filter.crossref)
    if queue_filter.fetch_failed:
        failed = select(CrossReference.claim_id).where(
            CrossReference.outlet == queue_filter.fetch_failed,
            col(CrossReference.error).is_not(None),
        )
        conditions.append(col(Claim.id).in_(failed))
    return conditions


def status_counts(session: Session, queue_filter: QueueFilter) -> dict[str, int]:
    """Claims per status under every filter but the status one."""
    rows = session.exec(
        select(Claim.status, func.count()).where(*_conditions(queue_filter)).group_by(Claim.status)
    ).all()
    counts = {status.value: 0 for status in ClaimStatus}
    counts.update({ClaimStatus(status).value: count for status, count in rows})
    return counts


def active_leases(session: Session, *, now: datetime) -> list[tuple[str, Claim]]:
    """Who is reviewing what right now."""
    rows = session.exec(
        select(User.username, Claim)
        .join(User, col(User.id) == Claim.leased_by_id)
        .where(col(Claim.lease_expires_at) > now, Claim.status == ClaimStatus.PENDING)
        .options(selectinload(Claim.article))
        .order_by(User.username)
    ).all()
    return [(username, claim) for username, claim in rows]


def queue_page(
    session: Session, queue_filter: QueueFilter, page: int = 1, *, now: datetime
) -> QueuePage:
    counts = status_counts(session, queue_filter)
    total = counts[queue_filter.status.value] if queue_filter.status else sum(counts.values())
    pages = max(1, ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    conditions = _conditions(queue_filter)
    if queue_filter.status:
        conditions.append(Claim.status == queue_filter.status)
    claims = _in_queue_order(session, conditions, offset=(page - 1) * PAGE_SIZE)
    reviewing = {
        claim.id: claim.leased_by.username
        for claim in claims
        if claim.leased_by is not None and aware(claim.lease_expires_at) > now
    }
    return QueuePage(list(claims), total, page, pages, counts, reviewing)


def _in_queue_order(session: Session, conditions: list, *, offset: int) -> list[Claim]:
    """A page of claims in the order reviewers are handed them: pinned articles' claims
    first, then the rest, each part most check-worthy first, then oldest article (as in
    review/rules.py). Each part is read in the order of an index, never by sorting the whole
    queue on the join; a page that starts past the pinned part counts that part to know
    where it starts in the rest."""
    pinned = col(Claim.article_id).in_(select(Article.id).where(col(Article.pinned)))
    parts = [[*conditions, pinned], [*conditions, ~pinned]]
    if session.exec(select(Article.id).where(col(Article.pinned)).limit(1)).first() is None:
        parts = [conditions]
    claims: list[Claim] = []
    for number, part in enumerate(parts, start=1):
        wanted = PAGE_SIZE - len(claims)
        rows = session.exec(
            select(Claim)
            .where(*part)
            .options(selectinload(Claim.outlets), selectinload(Claim.article))
            .order_by(col(Claim.checkworthiness).desc(), Claim.article_id, Claim.id)
            .offset(offset)
            .limit(wanted)
        ).all()
        claims += rows
        if len(claims) == PAGE_SIZE or number == len(parts):
            break
        # The page starts in a later part: skip what this part holds before it.
        part_size = session.exec(select(func.count()).select_from(Claim).where(*part)).one()
        offset = max(0, offset - part_size)
    return claims


def filter_choices(session: Session) -> tuple[list[tuple[int, str]], list[str]]:
    """The articles and the cited outlets to offer in the queue's filter menus."""
    articles = session.exec(
        select(Article.id, Article.title).order_by(col(Article.id).desc()).limit(200)
    ).all()
    outlets = session.exec(
        select(Outlet.name)
        .where(col(Outlet.id).in_(select(ClaimOutlet.outlet_id)))
        .order_by(Outlet.name)
    ).all()
    return [(a_id, title or f"Article {a_id}") for a_id, title in articles], list(outlets)
