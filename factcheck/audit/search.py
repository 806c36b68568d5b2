"""Reading the audit log: the admin page's filters and pages, and one object's events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from math import ceil
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from factcheck.audit.events import ExportFilter
from factcheck.errors import UserError
from factcheck.models import AuditEvent

PAGE_SIZE = 50
TEXT_FILTERS = ("actor", "action", "object_type", "object_id")
TIME_FILTERS = ("since", "until")
LONGEST = {"actor": 120, "action": 60, "object_type": 40, "object_id": 64}


def _moment(name: str, value: str) -> datetime:
    """A date (2024-05-01) or a date and time (2024-05-01T09:30), in UTC. `until` takes a
    date as the whole day: events before the next midnight."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        label = "From" if name == "since" else "To"
        raise UserError(
            f"{label}: {value[:40]!r} is not a date (YYYY-MM-DD) or a date and time "
            "(YYYY-MM-DDTHH:MM)."
        ) from error
    try:
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        if name == "until" and _is_date(value):
            moment += timedelta(days=1)
    except OverflowError as error:
        label = "From" if name == "since" else "To"
        raise UserError(f"{label}: {value[:40]!r} is beyond the calendar.") from error
    return moment


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class AuditQuery:
    """The filters as typed, for the form and the links, and as an ExportFilter."""

    args: dict[str, str]
    export_filter: ExportFilter

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditQuery:
        """Filters from query-string values; a date that is none raises a UserError."""
        given = {
            name: args.get(name, "").strip()
            for name in (*TEXT_FILTERS, *TIME_FILTERS)
            if args.get(name, "").strip()
        }
        for name, longest in LONGEST.items():
            if len(given.get(name, "")) > longest:
                raise UserError(f"{name.replace('_', ' ').capitalize()} is too long.")
        times = {name: _moment(name, given[name]) for name in TIME_FILTERS if name in given}
        if "since" in times and "until" in times and times["since"] >= times["until"]:
            raise UserError("From must come before To.")
        texts = {name: given.get(name) for name in TEXT_FILTERS}
        return cls(given, ExportFilter(since=times.get("since"), until=times.get("until"), **texts))

    def get(self, name: str) -> str:
        return self.args.get(name, "")


@dataclass(frozen=True)
class EventPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def events_page(session: Session, export_filter: ExportFilter, page: int = 1) -> EventPage:
    """A page of the events a filter selects, newest first."""
    conditions = export_filter.conditions()
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    pages = max(1, ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    events = session.exec(
        select(AuditEvent)
        .where(*conditions)
        .order_by(col(AuditEvent.id).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return EventPage(list(events), total, page, pages)


def page_numbers(page: int, pages: int, *, around: int = 2) -> list[int | None]:
    """The page links to offer: the first, the last and those near `page`; None marks a
    gap."""
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def object_events(
    session: Session, *, object_type: str, object_id: int | str, limit: int = 20
) -> list[AuditEvent]:
    """One object's own events, newest first."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(col(AuditEvent.id).desc())
            .limit(limit)
        ).all()
    )


def filter_choices(session: Session) -> tuple[list[str], list[str]]:
    """The actions and object types recorded so far, for the filter form's suggestions."""
    actions = session.exec(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    types = session.exec(
        select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
    ).all()
    return list(actions), list(types)


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value) if value is not None else "none"
    return text if len(text) <= 80 else text[:79] + "…"


def describe_change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """An event's change in a line: 'status: pending → verified; note: "…"'."""
    before, after = before or {}, after or {}
    parts = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key in before and key in after:
            if before[key] != after[key]:
                parts.append(f"{key}: {_shown(before[key])} → {_shown(after[key])}")
        elif key in after:
            parts.append(f"{key}: {_shown(after[key])}")
        else:
            parts.append(f"{key} was {_shown(before[key])}")
    return "; ".join(parts)
