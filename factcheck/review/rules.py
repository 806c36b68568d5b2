"""The review queue's rules: leases, verdicts, undo and reopen.

Every change is a compare-and-set in SQL (on the lease, or on the claim's version), so
that two reviewers can never hold the same claim and no verdict silently overwrites
another, on SQLite and on PostgreSQL alike. Each writes its audit event in the caller's
transaction; the caller commits.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    Row,
    Select,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    not_,
    or_,
    text,
    true,
    update,
)
from sqlmodel import Session, col, select

from factcheck.audit import SYSTEM_ACTOR, record_event
from factcheck.db import compare_and_set, on_postgresql
from factcheck.errors import Conflict, NotFound, UserError
from factcheck.models import (
    Article,
    Claim,
    ClaimKind,
    ClaimOutlet,
    ClaimStatus,
    Outlet,
    Person,
    Role,
    User,
    Verdict,
    aware,
)
from factcheck.review.queue import like_pattern

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

    def parameters(self) -> dict[str, Any]:
        """The filter's values, by the name of the condition that takes each (the
        conditions are written once, with bound parameters, see `_filter_condition`)."""
        values = {
            "article_id": self.article_id,
            "outlet": self.outlet or None,
            "speaker": like_pattern(self.speaker) if self.speaker else None,
            "kind": self.kind,
        }
        return {f"filter_{name}": value for name, value in values.items() if value is not None}


def _filter_condition(parameter: str) -> Any:
    if parameter == "filter_article_id":
        return CLAIM.c.article_id == bindparam(parameter)
    if parameter == "filter_outlet":
        cited = (
            select(ClaimOutlet.claim_id)
            .join(Outlet, col(Outlet.id) == ClaimOutlet.outlet_id)
            .where(Outlet.name == bindparam(parameter))
        )
        return CLAIM.c.id.in_(cited)
    if parameter == "filter_speaker":
        return CLAIM.c.speaker.ilike(bindparam(parameter), escape="\\")
    return CLAIM.c.kind == bindparam(parameter)


CLAIM = Claim.__table__  # type: ignore[attr-defined]
VERDICT = Verdict.__table__  # type: ignore[attr-defined]
# Outlet names are joined with a control character: the registry, whence outlet rows
# come, refuses names with one (outlets/registry.py).
CITED_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class ClaimRecord:
    """A claim as the statement that leased or decided it returned it, with the names of
    the outlets it cites: the review loop's API answers from this, without the ORM."""

    id: int
    article_id: int
    position: int
    text: str
    start: int
    end: int
    speaker: str | None
    kind: ClaimKind
    checkworthiness: float
    status: ClaimStatus
    fingerprint: str
    version: int
    cited_outlets: tuple[str, ...]

    @classmethod
    def from_row(cls, row: Row[Any]) -> ClaimRecord:
        cited = row.cited_outlets
        return cls(
            **{name: getattr(row, name) for name in CLAIM_FIELDS},
            cited_outlets=tuple(sorted(cited.split(CITED_SEPARATOR) if cited else ())),
        )

    @classmethod
    def of(cls, claim: Claim) -> ClaimRecord:
        return cls(
            **{name: getattr(claim, name) for name in CLAIM_FIELDS},
            cited_outlets=tuple(sorted(outlet.name for outlet in claim.outlets)),
        )


# The record's fields that are the claim's own columns.
CLAIM_FIELDS = tuple(f.name for f in fields(ClaimRecord) if f.name != "cited_outlets")


def _record_columns() -> list[Any]:
    # Spelt out with aliases: SQLite's RETURNING drops table names from the columns it
    # compiles, subqueries included, and an unqualified "id" there is the outlet's.
    cited = (
        select(func.aggregate_strings(literal_column("cited.name"), CITED_SEPARATOR))
        .select_from(
            text(
                f"{ClaimOutlet.__tablename__} AS citing"
                f" JOIN {Outlet.__tablename__} AS cited ON cited.id = citing.outlet_id"
            )
        )
        .where(literal_column("citing.claim_id") == literal_column(f"{CLAIM.name}.id"))
        .scalar_subquery()
    )
    return [*(CLAIM.c[name] for name in CLAIM_FIELDS), cited.label("cited_outlets")]


RECORD_COLUMNS = _record_columns()


# Spelt in the statements, not bound: PostgreSQL then plans the review loop's prepared
# statements once (a generic plan), and that plan can still read the index of pending
# claims alone, which a bound status cannot prove it may (test_review_concurrency).
IS_PENDING = CLAIM.c.status == literal_column(f"'{ClaimStatus.PENDING.value}'")
ONE = literal_column("1")


def _lease_is_free(now: Any) -> Any:
    return or_(CLAIM.c.leased_by_id.is_(None), CLAIM.c.lease_expires_at < now)


def _event(
    session: Session, user: Person | None, action: str, claim_id: int, **changes: Any
) -> None:
    record_event(
        session,
        actor=user.username if user else SYSTEM_ACTOR,
        action=action,
        object_type="claim",
        object_id=claim_id,
        **changes,
    )


def _expired(session: Session, claim_id: int, holder_id: int) -> None:
    """The event of a lease that ran out, naming its holder as every lease event does
    (a rare event: the name is read only then, not in the statement that leases)."""
    holder = (
        session.connection().execute(select(User.username).where(User.id == holder_id)).scalar()
    )
    _event(session, None, "lease.expired", claim_id, before={"leased_by": holder})


# The statements of the review loop are built once, with bound parameters: building
# and hashing a statement on every request cost more than running it.
HELD = (
    select(CLAIM.c.id)
    .where(
        CLAIM.c.leased_by_id == bindparam("user_id"),
        IS_PENDING,
        CLAIM.c.lease_expires_at > bindparam("now"),
    )
    .order_by(CLAIM.c.lease_expires_at.desc())
    .limit(ONE)
)
HELD_OR_PINNED = select(
    HELD.scalar_subquery().label("held"),
    exists().where(col(Article.pinned)).label("any_pinned"),
)
LEASE = (
    update(CLAIM)
    .where(
        CLAIM.c.id == bindparam("claim_id"),
        IS_PENDING,
        _lease_is_free(bindparam("now")),
    )
    .values(leased_by_id=bindparam("holder"), lease_expires_at=bindparam("until"))
    .returning(*RECORD_COLUMNS)
)
RENEW = (
    update(CLAIM)
    .where(
        CLAIM.c.id == bindparam("claim_id"),
        CLAIM.c.leased_by_id == bindparam("holder"),
        IS_PENDING,
    )
    .values(lease_expires_at=bindparam("until"))
    .returning(*RECORD_COLUMNS)
)


def held_claim(session: Session, *, user: User, now: datetime) -> Claim | None:
    """The claim this reviewer holds a live lease on, if any."""
    held = session.execute(HELD, {"user_id": user.id, "now": now}).scalar()
    return None if held is None else _claim(session, held)


@cache
def _candidate_query(parameters: frozenset[str], skipping: bool, pinned_only: bool) -> Select:
    """The queue's order: claims of pinned articles first, then the most check-worthy,
    then the oldest article (article ids grow with age). It reads the partial index
    ix_claim_pending_priority and stops at the first free row: its id, and who held its
    expired lease, if anyone. One statement per shape of filter, built once."""
    conditions = [
        IS_PENDING,
        _lease_is_free(bindparam("now")),
        *(_filter_condition(parameter) for parameter in sorted(parameters)),
    ]
    if skipping:
        conditions.append(CLAIM.c.id.not_in(bindparam("skip", expanding=True)))
    if pinned_only:
        conditions.append(CLAIM.c.article_id.in_(select(Article.id).where(col(Article.pinned))))
    return (
        select(CLAIM.c.id, CLAIM.c.leased_by_id.label("previous_holder"))
        .where(*conditions)
        .order_by(CLAIM.c.checkworthiness.desc(), CLAIM.c.article_id, CLAIM.c.id)
        .limit(ONE)
        # PostgreSQL: concurrent reviewers pass over each other's candidate row instead
        # of waiting for it; SQLite ignores this and serialises the writes. The row is
        # locked only when it is to be leased: a locked row others pass over would put
        # them out of the queue's order.
        .with_for_update(skip_locked=True)
    )


@cache
def _first_look(parameters: frozenset[str], skipping: bool) -> Select:
    """PostgreSQL: HELD_OR_PINNED and, only when neither a held claim nor a pinned
    article comes first, the queue's first free row, locked: one statement where the
    usual case took two, and no row locked that will not be leased."""
    state = HELD_OR_PINNED.subquery("state")
    first = (
        _candidate_query(parameters, skipping, False)
        .where(state.c.held.is_(None), not_(state.c.any_pinned))
        .lateral("first")
    )
    return select(
        state.c.held, state.c.any_pinned, first.c.id, first.c.previous_holder
    ).select_from(state.outerjoin(first, true()))


def _take(
    session: Session, candidate: Select, values: dict[str, Any], found: Row[Any] | None = None
) -> tuple[Row[Any], int | None] | None:
    """Read the first free row, then lease it if it is still free; a reviewer who lost
    the race reads again (on PostgreSQL the read locks the row, so nobody can win it).
    Two statements, not one UPDATE that finds its row: a scan run inside an UPDATE
    leaves the entries of decided claims in the queue's index unmarked, so each later
    scan walked all of them (measured: 1 ms after 1,000 verdicts, against 0.1 ms)."""
    connection = session.connection()
    for _attempt in range(MAX_TAKE_ATTEMPTS):
        found = found or connection.execute(candidate, values).first()
        if found is None:
            return None
        leased = connection.execute(LEASE, {**values, "claim_id": found.id}).first()
        if leased is not None:
            return leased, found.previous_holder
        found = None
    return None


def lease_next(
    session: Session,
    *,
    user: Person,
    now: datetime,
    lease_for: timedelta,
    review_filter: ReviewFilter | None = None,
    skip: Collection[int] = (),
) -> ClaimRecord | None:
    """Lease the next claim to the reviewer (or renew the one they hold)."""
    until = now + lease_for
    parameters = (review_filter or ReviewFilter()).parameters()
    values = {
        **parameters,
        "now": now,
        "skip": list(skip),
        "user_id": user.id,
        "holder": user.id,
        "until": until,
    }
    connection = session.connection()
    found = None
    if on_postgresql(session):
        state = connection.execute(_first_look(frozenset(parameters), bool(skip)), values).one()
        found = state if state.id is not None else None
    else:
        state = connection.execute(HELD_OR_PINNED, values).one()
    # A claim the reviewer holds is theirs to review even if they skipped it before (an
    # editor handed it back to them): skipping it again releases it.
    if state.held is not None:
        renewed = connection.execute(
            RENEW, {"claim_id": state.held, "holder": user.id, "until": until}
        ).first()
        if renewed is not None:
            return ClaimRecord.from_row(renewed)
        # The lease ended between the two statements (a verdict in another tab): the
        # reviewer gets the next claim instead.
    for pinned_only in (True, False) if state.any_pinned else (False,):
        candidate = _candidate_query(frozenset(parameters), bool(skip), pinned_only)
        taken = _take(session, candidate, values, found)
        if taken is not None:
            leased, previous_holder = taken
            if previous_holder is not None:
                _expired(session, leased.id, previous_holder)
            _event(session, user, "lease.taken", leased.id, after={"until": until.isoformat()})
            return ClaimRecord.from_row(leased)
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
    """`lease_next`, as the claim itself (for pages that show its article and sources)."""
    leased = lease_next(
        session, user=user, now=now, lease_for=lease_for, review_filter=review_filter, skip=skip
    )
    return None if leased is None else _claim(session, leased.id)


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


def release_lease(
    session: Session, *, user: User, claim_id: int, reason: str, released_by: str | None = None
) -> bool:
    """End the user's lease on the claim; `released_by` names whoever else ended it."""
    released = compare_and_set(
        session,
        Claim,
        claim_id,
        Claim.leased_by_id == user.id,
        leased_by_id=None,
        lease_expires_at=None,
    )
    if released:
        record_event(
            session,
            actor=released_by or user.username,
            action="lease.released",
            object_type="claim",
            object_id=claim_id,
            before={"leased_by": user.username} if released_by else None,
            after={"reason": reason},
        )
    return released


def release_all(
    session: Session, *, user: User, reason: str, released_by: str | None = None
) -> int:
    held = session.exec(select(Claim.id).where(Claim.leased_by_id == user.id)).all()
    return sum(
        release_lease(session, user=user, claim_id=c, reason=reason, released_by=released_by)
        for c in held
    )


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
            _expired(session, claim_id, holder)
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


DECIDE = (
    update(CLAIM)
    .where(
        CLAIM.c.id == bindparam("claim_id"),
        CLAIM.c.version == bindparam("seen_version"),
        IS_PENDING,
        or_(_lease_is_free(bindparam("now")), CLAIM.c.leased_by_id == bindparam("decider")),
    )
    .values(
        status=bindparam("decision"),
        note=bindparam("reason"),
        evidence_urls=bindparam("evidence", type_=CLAIM.c.evidence_urls.type),
        decided_by_id=bindparam("decider"),
        decided_at=bindparam("now"),
        leased_by_id=None,
        lease_expires_at=None,
        version=CLAIM.c.version + 1,
        updated_at=bindparam("now"),
    )
    .returning(*RECORD_COLUMNS)
)


def _decided_and_recorded() -> Any:
    """PostgreSQL: DECIDE and the verdict's row in one statement."""
    decided = DECIDE.cte("decided")
    recorded = insert(VERDICT).from_select(
        [
            "claim_id",
            "reviewer_id",
            "status",
            "note",
            "evidence_urls",
            "claim_version",
            "created_at",
        ],
        select(
            decided.c.id,
            bindparam("decider"),
            bindparam("decision", type_=CLAIM.c.status.type),
            bindparam("reason", type_=CLAIM.c.note.type),
            bindparam("evidence", type_=CLAIM.c.evidence_urls.type),
            decided.c.version,
            bindparam("now", type_=CLAIM.c.decided_at.type),
        ),
    )
    return select(*decided.c).add_cte(recorded.cte("recorded"))


DECIDE_AND_RECORD = _decided_and_recorded()


def record_verdict(
    session: Session,
    *,
    user: Person,
    claim_id: int,
    status: ClaimStatus,
    seen_version: int,
    now: datetime,
    note: str = "",
    evidence_urls: Collection[str] = (),
) -> ClaimRecord:
    """Record the reviewer's verdict on the claim as they saw it (`seen_version`)."""
    if status not in DECISIONS:
        raise UserError("A verdict is verified, disputed or unsourced.")
    note = note.strip()
    if status in NOTE_REQUIRED and not note:
        raise UserError(f"A note is required when a claim is {status.value}: say why.")
    evidence = _clean_evidence(evidence_urls)
    row = (
        session.connection()
        .execute(
            DECIDE_AND_RECORD if on_postgresql(session) else DECIDE,
            {
                "claim_id": claim_id,
                "seen_version": seen_version,
                "now": now,
                "decider": user.id,
                "decision": status,
                "reason": note or None,
                "evidence": evidence,
            },
        )
        .first()
    )
    if row is None:
        raise Conflict(
            f"This claim changed since you opened it: {describe(_claim(session, claim_id))} "
            "Your verdict was not saved."
        )
    claim = ClaimRecord.from_row(row)
    if not on_postgresql(session):
        session.execute(
            insert(VERDICT),
            {
                "claim_id": claim_id,
                "reviewer_id": user.id,
                "status": status,
                "note": note or None,
                "evidence_urls": evidence,
                "claim_version": claim.version,
                "created_at": now,
            },
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
    """`record_verdict`, as the claim itself (for pages that show who decided it)."""
    record_verdict(
        session,
        user=user,
        claim_id=claim_id,
        status=status,
        seen_version=seen_version,
        now=now,
        note=note,
        evidence_urls=evidence_urls,
    )
    return _claim(session, claim_id)


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
    # The last verdict only: once undone or reopened, there is nothing more to undo (an
    # undo never reaches back to an earlier verdict the reviewer is not looking at).
    verdict = session.exec(
        select(Verdict).where(Verdict.reviewer_id == user.id).order_by(col(Verdict.id).desc())
    ).first()
    if (
        verdict is None
        or verdict.undone_at is not None
        or verdict.reopened_at is not None
        or aware(verdict.created_at) < now - UNDO_WINDOW
    ):
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
    until = (now + lease_for).isoformat()
    _event(session, user, "lease.taken", claim.id, after={"until": until})
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
