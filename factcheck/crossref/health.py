"""How each outlet's searches have gone lately: which outlets cannot be checked now, since
when and why. Read by the dashboard, the admins' outlet pages and `factcheck outlets
health`, from the outcomes gathering stores (see crossref.outcomes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Text, cast, func, or_
from sqlmodel import Session, col, select

from factcheck.crossref.outcomes import COULD_NOT_CHECK, FOUND, NOTHING_FOUND, OUTCOMES
from factcheck.models import ClaimOutletOutcome, aware

RECENT = timedelta(days=7)  # the searches "lately" means
# Searches that could not be checked count when they recorded why: those carried over from
# before outcomes were kept (migration 0011) say only that nobody knows, and no outlet is
# failing for that.
KNOWN = or_(
    ClaimOutletOutcome.outcome != COULD_NOT_CHECK,
    cast(ClaimOutletOutcome.failures, Text) != "[]",
)


@dataclass(frozen=True)
class OutletHealth:
    """One outlet's searches within RECENT: how many came to each outcome, its last
    search that answered (found or nothing found), and, when its latest searches could
    not be checked, since when and why (the reason of the latest)."""

    outlet: str
    counts: dict[str, int]
    last_answered: datetime | None
    failing_since: datetime | None
    reason: str | None

    @property
    def searches(self) -> int:
        return sum(self.counts.values())

    @property
    def failing_now(self) -> bool:
        return self.failing_since is not None

    @property
    def failing_for_most(self) -> bool:
        """Most of the outlet's recent searches could not be checked."""
        return 2 * self.counts[COULD_NOT_CHECK] > self.searches


def outlet_health(session: Session, *, now: datetime) -> list[OutletHealth]:
    """Every outlet searched within RECENT, those failing now first (most failures first),
    then by name. One grouped read gives every outlet's counts and latest searches; only
    an outlet failing now is read again, for since when and why."""
    since = now - RECENT
    counts: dict[str, Counter[str]] = {}
    latest: dict[tuple[str, str], datetime] = {}
    rows = session.exec(
        select(
            ClaimOutletOutcome.outlet,
            ClaimOutletOutcome.outcome,
            func.count(),
            func.max(ClaimOutletOutcome.checked_at),
        )
        .where(ClaimOutletOutcome.checked_at >= since, KNOWN)
        .group_by(ClaimOutletOutcome.outlet, ClaimOutletOutcome.outcome)
    ).all()
    for outlet, outcome, count, last in rows:
        counts.setdefault(outlet, Counter())[outcome] += count
        latest[outlet, outcome] = aware(last)
    health = [_health(session, outlet, tally, latest, since) for outlet, tally in counts.items()]
    return sorted(health, key=lambda h: (not h.failing_now, -h.counts[COULD_NOT_CHECK], h.outlet))


def _health(
    session: Session,
    outlet: str,
    tally: Counter[str],
    latest: dict[tuple[str, str], datetime],
    since: datetime,
) -> OutletHealth:
    answers = [latest[outlet, o] for o in (FOUND, NOTHING_FOUND) if (outlet, o) in latest]
    last_answered = max(answers, default=None)
    last_failed = latest.get((outlet, COULD_NOT_CHECK))
    failing = last_failed is not None and (last_answered is None or last_failed > last_answered)
    since_failing, reason = (
        _failure(session, outlet, since, last_answered) if failing else (None, None)
    )
    return OutletHealth(
        outlet=outlet,
        counts={outcome: tally[outcome] for outcome in OUTCOMES},
        last_answered=last_answered,
        failing_since=since_failing,
        reason=reason,
    )


def _failure(
    session: Session, outlet: str, since: datetime, last_answered: datetime | None
) -> tuple[datetime, str]:
    """Since when the outlet's searches have failed after its last answer, and why the
    latest did."""
    failed_after = [
        ClaimOutletOutcome.outlet == outlet,
        ClaimOutletOutcome.checked_at >= since,
        KNOWN,
        ClaimOutletOutcome.outcome == COULD_NOT_CHECK,
    ]
    if last_answered is not None:
        failed_after.append(ClaimOutletOutcome.checked_at > last_answered)
    reason = session.exec(
        select(ClaimOutletOutcome.reason)
        .where(*failed_after)
        .order_by(col(ClaimOutletOutcome.checked_at).desc())
        .limit(1)
    ).one()
    # Each search keeps since when it has failed, across its retries (which renew its
    # checked_at); rows from before that was kept have only their checked_at.
    first_failed = func.coalesce(ClaimOutletOutcome.failing_since, ClaimOutletOutcome.checked_at)
    failing_since = session.exec(select(func.min(first_failed)).where(*failed_after)).one()
    return aware(failing_since), reason
