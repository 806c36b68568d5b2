"""Recording state changes in the audit log, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from factcheck.models import AuditEvent

SYSTEM_ACTOR = "system"


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: int | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    address: str | None = None,
) -> AuditEvent:
    """Add one event to the session. It is written with the change or not at all:
    the caller's commit carries both."""
    event = AuditEvent(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        address=address,
    )
    session.add(event)
    return event
