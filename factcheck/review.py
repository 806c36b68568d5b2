"""The review queue's rules: leases, verdicts, undo and reopen.

Every change is a compare-and-set in SQL (on the lease, or on the claim's version), so
that two reviewers can never hold the same claim and no verdict silently overwrites
another, on SQLite and on PostgreSQL alike. Each writes its audit event in the caller's
transaction; the caller commits.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_
from sqlmodel import Session, col, select

from factcheck.audit import SYSTEM_ACTOR, record_event
from factcheck.db import compare_and_set, compare_and_set_returning
from factcheck.errors import Conflict, NotFound, UserError
from factcheck.models import (
    Article,
    Claim,
    ClaimKind,
    ClaimOutlet,
    ClaimStatus,
    Outlet,
    Role,
    User,
    Verdict,
    aware,
)
from factcheck.queue import like_pattern

UNDO_WINDOW = timedelta(seconds=30)
DECISIONS = (ClaimStatus.VERIFIED, ClaimStatus.DISPUTED, ClaimStatus.UNSOURCED)
NOTE_REQUIRED = (ClaimStatus.DISPUTED, ClaimStatus.UNSOURCED)
MAX_TAKE_ATTEMPTS = 5


@dataclass(frozen=True)
class ReviewFilter:
    article_id: int | None = None
    outlet: str | None = None
    speaker: str | None = None
    kind: ClaimKind | None = None

    def conditions(self) -> list[Any]:
        conditions: list[Any] = []
        if self.article_id is not None:
            conditions.append(Claim.article_id == self.article_id)
        if self.outlet:
            cited = (
                select(ClaimOutlet.claim_id)
                .join(Outlet, col(Outlet.id) == ClaimOutlet.outlet_id)
                .where(Outlet.name == self.outlet)
            )
            conditions.append(col(Claim.id).in_(cited))
        if self.speaker:
            conditions.append(col(Claim.speaker).ilike(like_pattern(self.speaker), escape="\\"))
        if self.kind:
            conditions.append(Claim.kind == self.kind)
        return conditions


def _lease_is_free(now: datetime) -> Any:
    return or_(col(Claim.leased_by_id).is_(None), col(Claim.lease_expires_at) < now)


def _event(session: Session, user: User | None, action: str, claim_id: int, **changes: Any) -> None:
    record_event(
        session,
        actor=user.username if user else SYSTEM_ACTOR,
        action=action,
        object_type="claim",
        object_id=claim_id,
        **changes,
    )


def held_claim(session: Session, *, user: User, now: datetime) -> Claim | None:
    """The claim this reviewer holds a live lease on, if any."""
    return session.exec(
        select(Claim)
        .where(
            Claim.leased_by_id == user.id,
            Claim.status == ClaimStatus.PENDING,
            col(Claim.lease_expires_at) > now,
        )
        .order_by(col(Claim.lease_expires_at).desc())
    ).first()


def _next_candidate(
    session: Session, *, now: datetime, review_filter: ReviewFilter, skip: Collection[int]
) -> tuple[int, int | None] | None:
    """The queue's order: claims of pinned articles first, then the most check-worthy,
    then the oldest article (article ids grow with age). Each step reads the partial
    index ix_claim_pending_priority and stops at the first free row: its id, and who
    held its expired lease, if anyone."""
    conditions = [
        Claim.status == ClaimStatus.PENDING,
        _lease_is_free(now),
        *review_filter.conditions(),
    ]
    if skip:
        conditions.append(col(Claim.id).not_in(list(skip)))
    pinned = session.exec(select(Article.id).where(col(Article.pinned))).all()
    scopes = ([col(Claim.article_id).in_(pinned)], []) if pinned else ([],)
    for scope in scopes:
        query = (
            select(Claim.id, Claim.leased_by_id)
            .where(*conditions, *scope)
            .order_by(col(Claim.checkworthiness).desc(), col(Claim.article_id), col(Claim.id))
            .limit(1)
            # PostgreSQL: concurrent reviewers pass over each other's candidate row
            # instead of waiting for it; SQLite ignores this and serialises the writes.
            .with_for_update(skip_locked=True)
        )
        row = session.exec(query).first()
        if row is not None:
            return row[0], row[1]
    return None


def take_next(
    session: Session,
    *,
    user: User,
    now: datetime,
    lease_for: timedelta,
    review_filter: ReviewFilter | None = None,
    skip: Collection[int] = (),
) -> Claim | None:
    """Lease the next claim to the reviewer (or renew the one they hold)."""
    held = held_claim(session, user=user, now=now)
    if held is not None and held.id not in skip:
        return renew_lease(session, user=user, claim_id=held.id, now=now, lease_for=lease_for)
    for _attempt in range(MAX_TAKE_ATTEMPTS):
        candidate = _next_candidate(
            session, now=now, review_filter=review_filter or ReviewFilter(), skip=skip
        )
        if candidate is None:
            return None
        claim_id, previous_holder = candidate
        claim = compare_and_set_returning(
            session,
            Claim,
            claim_id,
            Claim.status == ClaimStatus.PENDING,
            _lease_is_free(now),
            leased_by_id=user.id,
            lease_expires_at=now + lease_for,
        )
        if claim is not None:
            if previous_holder is not None:
                _event(
                    session, None, "lease.expired", claim_id, before={"leased_by": previous_holder}
                )
            _event(
                session,
                user,
                "lease.taken",
                claim_id,
                after={"until": (now + lease_for).isoformat()},
            )
            return claim
        # Another reviewer took it between our read and our write: pick again.
    return None


def renew_lease(
    session: Session, *, user: User, claim_id: int, now: datetime, lease_for: timedelta
) -> Claim:
    renewed = compare_and_set(
        session,
        Claim,
        claim_id,
        Claim.leased_by_id == user.id,
        Claim.status == ClaimStatus.PENDING,
        lease_expires_at=now + lease_for,
    )
    claim = _claim(session, claim_id)
    if not renewed:
        raise Conflict(f"You no longer hold claim {claim_id}: {describe(claim)}")
    return claim


def release_lease(session: Session, *, user: User, claim_id: int, reason: str) -> bool:
    released = compare_and_set(
        session,
        Claim,
        claim_id,
        Claim.leased_by_id == user.id,
        leased_by_id=None,
        lease_expires_at=None,
    )
    if released:
        _event(session, user, "lease.released", claim_id, after={"reason": reason})
    return released


def release_all(session: Session, *, user: User, reason: str) -> int:
    held = session.exec(select(Claim.id).where(Claim.leased_by_id == user.id)).all()
    return sum(release_lease(session, user=user, claim_id=c, reason=reason) for c in held)


def expire_leases(session: Session, *, now: datetime) -> int:
    """Free the leases whose time is up, each with its audit event; how many were freed."""
    expired = session.exec(
        select(Claim.id, Claim.leased_by_id).where(
            col(Claim.leased_by_id).is_not(None), col(Claim.lease_expires_at) < now
        )
    ).all()
    freed = 0
    for claim_id, holder in expired:
        done = compare_and_set(
            session,
            Claim,
            claim_id,
            Claim.leased_by_id == holder,
            col(Claim.lease_expires_at) < now,
            leased_by_id=None,
            lease_expires_at=None,
        )
        if done:
            _event(session, None, "lease.expired", claim_id, before={"leased_by": holder})
            freed += 1
    return freed


def _claim(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id, populate_existing=True)
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    return claim


def describe(claim: Claim) -> str:
    """What a claim is now, in words, for a reviewer whose view is out of date."""
    if claim.status != ClaimStatus.PENDING:
        who = claim.decided_by.username if claim.decided_by else "someone"
        when = f" at {claim.decided_at:%H:%M:%S}" if claim.decided_at else ""
        note = f' ("{claim.note}")' if claim.note else ""
        return f"{who} marked it {claim.status.value}{when}{note}."
    if claim.leased_by is not None:
        return f"{claim.leased_by.username} is reviewing it now."
    return "it was reopened and is pending again."


def _clean_evidence(urls: Collection[str]) -> list[str]:
    cleaned = [u.strip() for u in urls if u.strip()]
    for url in cleaned:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UserError(f"{url!r} is not a web address; evidence links start with http(s)://.")
    return cleaned[:20]


def decide(
    session: Session,
    *,
    user: User,
    claim_id: int,
    status: ClaimStatus,
    seen_version: int,
    now: datetime,
    note: str = "",
    evidence_urls: Collection[str] = (),
) -> Claim:
    """Record the reviewer's verdict on the claim as they saw it (`seen_version`)."""
    if status not in DECISIONS:
        raise UserError("A verdict is verified, disputed or unsourced.")
    note = note.strip()
    if status in NOTE_REQUIRED and not note:
        raise UserError(f"A note is required when a claim is {status.value}: say why.")
    evidence = _clean_evidence(evidence_urls)
    claim = compare_and_set_returning(
        session,
        Claim,
        claim_id,
        Claim.version == seen_version,
        Claim.status == ClaimStatus.PENDING,
        or_(_lease_is_free(now), Claim.leased_by_id == user.id),
        status=status,
        note=note or None,
        evidence_urls=evidence,
        decided_by_id=user.id,
        decided_at=now,
        leased_by_id=None,
        lease_expires_at=None,
        version=Claim.version + 1,
        updated_at=now,
    )
    if claim is None:
        raise Conflict(
            f"This claim changed since you opened it: {describe(_claim(session, claim_id))} "
            "Your verdict was not saved."
        )
    session.add(
        Verdict(
            claim_id=claim_id,
            reviewer_id=user.id,
            status=status,
            note=note or None,
            evidence_urls=evidence,
            claim_version=claim.version,
            created_at=now,
        )
    )
    _event(
        session,
        user,
        "verdict",
        claim_id,
        before={"status": ClaimStatus.PENDING.value, "version": seen_version},
        after={
            "status": status.value,
            "note": note or None,
            "evidence": evidence,
            "version": claim.version,
        },
    )
    return claim


def _undecided(now: datetime) -> dict[str, Any]:
    """A claim back in the queue without its verdict: what undo and reopen both set."""
    return {
        "status": ClaimStatus.PENDING,
        "note": None,
        "evidence_urls": [],
        "decided_by_id": None,
        "decided_at": None,
        "version": Claim.version + 1,
        "updated_at": now,
    }


def undo_last(session: Session, *, user: User, now: datetime, lease_for: timedelta) -> Claim:
    """Take back the reviewer's own last verdict within UNDO_WINDOW, if nobody has
    touched the claim since; the claim comes back to them under a lease."""
    verdict = session.exec(
        select(Verdict)
        .where(
            Verdict.reviewer_id == user.id,
            col(Verdict.undone_at).is_(None),
            col(Verdict.reopened_at).is_(None),
        )
        .order_by(col(Verdict.id).desc())
    ).first()
    if verdict is None or aware(verdict.created_at) < now - UNDO_WINDOW:
        raise Conflict(
            f"There is no verdict of yours from the last {UNDO_WINDOW.seconds} seconds to undo."
        )
    undone = compare_and_set(
        session,
        Claim,
        verdict.claim_id,
        Claim.version == verdict.claim_version,
        **_undecided(now),
        leased_by_id=user.id,
        lease_expires_at=now + lease_for,
    )
    claim = _claim(session, verdict.claim_id)
    if not undone:
        raise Conflict(
            f"The claim changed after your verdict, so it cannot be undone: {describe(claim)}"
        )
    verdict.undone_at = now
    _event(
        session,
        user,
        "verdict.undo",
        claim.id,
        before={"status": verdict.status.value, "version": verdict.claim_version},
        after={"status": ClaimStatus.PENDING.value, "version": claim.version},
    )
    return claim


def reopen(session: Session, *, user: User, claim_id: int, reason: str, now: datetime) -> Claim:
    """An editor sends a decided claim back to the queue, with the reason."""
    if not user.role.allows(Role.EDITOR):
        raise UserError("Only editors and admins can reopen a verdict.")
    reason = reason.strip()
    if not reason:
        raise UserError("Say why the verdict is reopened.")
    claim = _claim(session, claim_id)
    if claim.status == ClaimStatus.PENDING:
        raise Conflict("This claim has no verdict to reopen: it is pending.")
    before = {"status": claim.status.value, "note": claim.note, "version": claim.version}
    reopened = compare_and_set(
        session,
        Claim,
        claim_id,
        Claim.version == claim.version,
        **_undecided(now),
    )
    if not reopened:
        raise Conflict(f"The claim changed meanwhile: {describe(_claim(session, claim_id))}")
    for verdict in session.exec(
        select(Verdict).where(
            Verdict.claim_id == claim_id,
            col(Verdict.undone_at).is_(None),
            col(Verdict.reopened_at).is_(None),
        )
    ):
        verdict.reopened_at, verdict.reopen_reason = now, reason
    claim = _claim(session, claim_id)
    _event(
        session,
        user,
        "verdict.reopen",
        claim_id,
        before=before,
        after={"status": ClaimStatus.PENDING.value, "reason": reason, "version": claim.version},
    )
    return claim


def reassign(
    session: Session, *, user: User, claim_id: int, to: User, now: datetime, lease_for: timedelta
) -> Claim:
    """An editor hands a pending claim to a reviewer: it becomes theirs under a lease."""
    if not user.role.allows(Role.EDITOR):
        raise UserError("Only editors and admins can reassign a claim.")
    if not to.active:
        raise UserError(f"{to.username} is disabled.")
    before = _claim(session, claim_id)
    previous = before.leased_by.username if before.leased_by else None
    moved = compare_and_set(
        session,
        Claim,
        claim_id,
        Claim.status == ClaimStatus.PENDING,
        leased_by_id=to.id,
        lease_expires_at=now + lease_for,
    )
    if not moved:
        raise Conflict(f"Only a pending claim can be reassigned: {describe(before)}")
    _event(
        session,
        user,
        "lease.reassigned",
        claim_id,
        before={"leased_by": previous},
        after={"leased_by": to.username},
    )
    return _claim(session, claim_id)


def history(session: Session, claim_id: int) -> list[Verdict]:
    return list(
        session.exec(
            select(Verdict).where(Verdict.claim_id == claim_id).order_by(col(Verdict.id))
        ).all()
    )
