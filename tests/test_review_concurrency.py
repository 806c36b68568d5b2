"""Twenty reviewers at once: no claim handed out twice, no verdict lost."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from factcheck.accounts.users import add_user
from factcheck.db import get_engine
from factcheck.errors import Conflict
from factcheck.models import Article, Claim, ClaimStatus, Role, User, Verdict, utcnow
from factcheck.review.rules import decide, lease_next, record_verdict, take_next
from tests.harness import Stack
from tests.helpers import split_now

REVIEWERS = 20
LEASE = timedelta(minutes=10)


def run_together(worker, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = worker(index)
        except BaseException as error:  # reported below, so a failed thread fails the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.fixture
def users(session: Session, demo_text: str) -> list[User]:
    """Twenty reviewers, and two articles' claims (more than twenty) to review."""
    for copy in range(2):
        split_now(session, f"{demo_text}\n\nCopy {copy}.")
    reviewers = [
        add_user(
            session, username=f"r{i}", password="a long password", role=Role.REVIEWER, actor="t"
        )
        for i in range(REVIEWERS)
    ]
    session.commit()
    return reviewers


def test_twenty_reviewers_taking_leases_at_once_get_twenty_different_claims(
    stack: Stack, session: Session, users: list[User]
):
    engine = get_engine(stack.settings.database_url)

    def take(index: int) -> int | None:
        with Session(engine, expire_on_commit=False) as own:
            claim = take_next(
                own,
                user=own.get(User, users[index].id),
                now=utcnow(),
                lease_for=LEASE,
            )
            own.commit()
            return claim.id if claim else None

    taken = run_together(take, REVIEWERS)

    assert None not in taken
    assert len(set(taken)) == REVIEWERS, Counter(taken).most_common(3)


def test_twenty_reviewers_deciding_at_once_lose_no_verdict(
    stack: Stack, session: Session, users: list[User]
):
    engine = get_engine(stack.settings.database_url)

    def take_and_decide(index: int) -> int:
        with Session(engine, expire_on_commit=False) as own:
            user = own.get(User, users[index].id)
            claim = take_next(own, user=user, now=utcnow(), lease_for=LEASE)
            own.commit()
            decide(
                own,
                user=user,
                claim_id=claim.id,
                status=ClaimStatus.VERIFIED,
                seen_version=claim.version,
                now=utcnow(),
            )
            own.commit()
            return claim.id

    decided = run_together(take_and_decide, REVIEWERS)

    session.expire_all()
    assert len(set(decided)) == REVIEWERS
    assert session.exec(select(func.count()).select_from(Verdict)).one() == REVIEWERS
    verified = select(func.count()).where(Claim.status == ClaimStatus.VERIFIED)
    assert session.exec(verified).one() == REVIEWERS


def test_twenty_verdicts_racing_for_five_claims_one_wins_each_and_none_is_lost(
    stack: Stack, session: Session, users: list[User]
):
    """No leases: every reviewer sends a verdict on claims all of them saw at the same
    version. Each claim takes exactly one; every accepted verdict is the one stored, and
    every refused one is told what changed."""
    engine = get_engine(stack.settings.database_url)
    seen = session.exec(select(Claim).order_by(col(Claim.id)).limit(5)).all()
    targets = [(claim.id, claim.version) for claim in seen]
    statuses = [ClaimStatus.VERIFIED, ClaimStatus.DISPUTED, ClaimStatus.UNSOURCED]

    def race(index: int) -> tuple[int, str, bool]:
        claim_id, version = targets[index % len(targets)]
        with Session(engine, expire_on_commit=False) as own:
            try:
                decide(
                    own,
                    user=own.get(User, users[index].id),
                    claim_id=claim_id,
                    status=statuses[index % 3],
                    seen_version=version,
                    now=utcnow(),
                    note=f"note of r{index}",
                )
                own.commit()
                return claim_id, f"note of r{index}", True
            except Conflict as refused:
                own.rollback()
                assert "changed since you opened it" in str(refused)
                return claim_id, "", False

    outcomes = run_together(race, REVIEWERS)

    session.expire_all()
    accepted = {claim_id: note for claim_id, note, won in outcomes if won}
    assert sorted(accepted) == sorted(claim_id for claim_id, _ in targets)
    assert sum(won for _, _, won in outcomes) == len(targets)
    stored = session.exec(select(Verdict.claim_id, Verdict.note)).all()
    assert dict(stored) == accepted and len(stored) == len(targets)
    for claim_id, note in accepted.items():
        assert session.get(Claim, claim_id).note == note


@pytest.mark.parametrize("pinned", [False, True], ids=["queue order", "pinned first"])
def test_a_reviewer_renewing_a_lease_holds_up_nobody_s_next_claim(
    stack: Stack, session: Session, users: list[User], pinned: bool
):
    engine = get_engine(stack.settings.database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: nobody works alongside")
    ann, bob = users[0], users[1]
    article = session.exec(select(Claim.article_id)).first()
    if pinned:
        session.get(Article, article).pinned = True
        session.commit()
    now = utcnow()
    held = take_next(session, user=ann, now=now, lease_for=LEASE)
    session.commit()
    first_in_line = session.exec(
        select(Claim.id)
        .where(Claim.leased_by_id.is_(None), Claim.article_id == article if pinned else True)
        .order_by(Claim.checkworthiness.desc(), Claim.article_id, Claim.id)
    ).first()

    with Session(engine) as renewing, Session(engine) as asking:
        again = take_next(renewing, user=renewing.get(User, ann.id), now=now, lease_for=LEASE)
        next_for_bob = take_next(asking, user=asking.get(User, bob.id), now=now, lease_for=LEASE)
        taken = (again.id, next_for_bob.id)
        renewing.commit()
        asking.commit()

    assert taken == (held.id, first_in_line)


def test_the_review_loop_s_statements_are_planned_once_on_postgresql(
    stack: Stack, session: Session, users: list[User]
):
    """PostgreSQL plans a prepared statement afresh on each run unless its generic plan
    is as good: the queue's statement must name the pending status, not bind it, or
    its generic plan cannot use the index of pending claims (measured: planning cost
    twice the run)."""
    engine = get_engine(stack.settings.database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite prepares no plans to reuse")
    reviewer = users[0]
    article = session.exec(select(Claim.article_id)).first()
    # Enough claims for the planner to weigh an index against a scan of the table.
    session.execute(
        text(
            'INSERT INTO claim (article_id, position, text, start, "end", kind,'
            " checkworthiness, status, fingerprint, version, evidence_urls, created_at,"
            " updated_at)"
            " SELECT :article, 1000 + n, 'Claim ' || n, 0, 7, 'statement', random(),"
            " 'pending', md5(n::text), 1, '[]', now(), now()"
            " FROM generate_series(1, 20000) AS n"
        ),
        {"article": article},
    )
    session.commit()
    session.execute(text("ANALYZE claim"))
    session.commit()
    with engine.connect() as connection:
        on_one_connection = Session(bind=connection)
        for _ in range(12):
            claim = lease_next(on_one_connection, user=reviewer, now=utcnow(), lease_for=LEASE)
            record_verdict(
                on_one_connection,
                user=reviewer,
                claim_id=claim.id,
                status=ClaimStatus.VERIFIED,
                seen_version=claim.version,
                now=utcnow(),
            )
            on_one_connection.commit()
        plans = connection.execute(
            text(
                "SELECT statement, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE '%claim%'"
            )
        ).all()
    assert plans, "psycopg prepares a statement run five times"
    # PostgreSQL tries five custom plans before it weighs the generic one.
    assert [statement for statement, custom in plans if custom > 5] == []
