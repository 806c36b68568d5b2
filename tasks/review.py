"""Review housekeeping: leases whose time ran out are freed, each with its audit event."""

from __future__ import annotations

from factcheck.db import session_scope
from factcheck.models import utcnow
from factcheck.review.rules import expire_leases
from tasks.app import EXPIRE_LEASES_TASK, celery_app, settings


@celery_app.task(name=EXPIRE_LEASES_TASK)
def expire_review_leases() -> int:
    with session_scope(settings().database_url) as session:
        return expire_leases(session, now=utcnow())
