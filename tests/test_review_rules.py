"""The review queue's rules: leases, expiry, skip, verdicts, undo window and reopen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from factcheck.accounts.users import add_user
from factcheck.errors import Conflict, UserError
from factcheck.models import Article, AuditEvent, Claim, ClaimStatus, Role, User, Verdict, utcnow
from factcheck.review.rules import (
    UNDO_WINDOW,
    ReviewFilter,
    decide,
    expire_leases,
    held_claim,
    reassign,
    release_all,
    release_lease,
    reopen,
    take_next,
    undo_last,
)
from tests.helpers import split_now

LEASE = timedelta(minutes=10)
DECIDED = [ClaimStatus.VERIFIED, ClaimStatus.DISPUTED, ClaimStatus.UNSOURCED]


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    users = {
        name: add_user(session, username=name, password="a long password", role=role, actor="t")
        for name, role in [("ann", Role.REVIEWER), ("bob", Role.REVIEWER), ("eve", Role.EDITOR)]
    }
    session.commit()
    return users


@pytest.fixture
def article(session: Session, demo_text: str) -> Article:
    return split_now(session, demo_text)


def actions(session: Session) -> list[str]:
    session.commit()  # events join the audit chain when their transaction commits
    return list(
        session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "claim")
            .order_by(col(AuditEvent.id))
        ).all()
    )


def verify(session: Session, user: User, claim: Claim, now) -> Claim:
    """`user` marks the claim verified, as last seen."""
    return decide(
        session,
        user=user,
        claim_id=claim.id,
        status=ClaimStatus.VERIFIED,
        seen_version=claim.version,
        now=now,
    )


def set_status(session: Session, claim: Claim, status: ClaimStatus) -> Claim:
    claim.status = status
    session.add(claim)
    session.commit()
    session.refresh(claim)
    return claim


def test_the_first_claim_handed_out_is_the_most_check_worthy(session, people, article):
    now = utcnow()
    claim = take_next(session, user=people["ann"], now=now, lease_for=LEASE)

    best = max(article.claims, key=lambda c: (c.checkworthiness, -c.id))
    assert claim.id == best.id
    assert claim.leased_by_id == people["ann"].id
    assert actions(session) == ["lease.taken"]


def test_two_reviewers_never_get_the_same_claim(session, people, article):
    now = utcnow()
    first = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    second = take_next(session, user=people["bob"], now=now, lease_for=LEASE)
    assert first.id != second.id


def test_a_reviewer_who_holds_a_claim_gets_it_again_with_a_longer_lease(session, people, article):
    now = utcnow()
    first = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    later = now + timedelta(minutes=5)
    again = take_next(session, user=people["ann"], now=later, lease_for=LEASE)

    assert again.id == first.id
    assert held_claim(session, user=people["ann"], now=later + timedelta(minutes=9)).id == first.id


def take_all(session: Session, count: int, now) -> list[Claim]:
    """The next `count` claims of the queue, each leased to a reviewer of its own (a
    reviewer holds one claim at a time)."""
    return [
        take_next(
            session,
            user=add_user(
                session, username=f"other{n}", password="x" * 10, role=Role.REVIEWER, actor="t"
            ),
            now=now,
            lease_for=LEASE,
        )
        for n in range(count)
    ]


def test_a_reviewer_holding_the_last_free_claim_gets_it_again(session, people, article):
    now = utcnow()
    held = take_all(session, len(article.claims), now)
    release_lease(session, user=held[-1].leased_by, claim_id=held[-1].id, reason="skip")
    last = take_next(session, user=people["ann"], now=now, lease_for=LEASE)

    again = take_next(session, user=people["ann"], now=now + timedelta(minutes=1), lease_for=LEASE)

    assert again.id == last.id == held[-1].id


def test_an_expired_lease_lets_another_reviewer_take_the_claim(session, people, article):
    now = utcnow()
    only = ReviewFilter(article_id=article.id, speaker="Tillerson")
    ann_claim = take_next(session, user=people["ann"], now=now, lease_for=LEASE, review_filter=only)

    after_expiry = now + LEASE + timedelta(seconds=1)
    bob_claim = take_next(
        session, user=people["bob"], now=after_expiry, lease_for=LEASE, review_filter=only
    )

    assert bob_claim.id == ann_claim.id
    assert actions(session) == ["lease.taken", "lease.expired", "lease.taken"]
    expired = select(AuditEvent.before).where(AuditEvent.action == "lease.expired")
    assert session.exec(expired).one() == {"leased_by": "ann"}


def test_the_sweep_frees_expired_leases_with_an_event(session, people, article):
    now = utcnow()
    take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    assert expire_leases(session, now=now + LEASE + timedelta(seconds=1)) == 1
    assert held_claim(session, user=people["ann"], now=now) is None
    assert actions(session)[-1] == "lease.expired"
    expired = select(AuditEvent.before).where(AuditEvent.action == "lease.expired")
    assert session.exec(expired).one() == {"leased_by": "ann"}


def test_skip_releases_the_claim_and_the_next_one_is_another(session, people, article):
    now = utcnow()
    skipped = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    assert release_lease(session, user=people["ann"], claim_id=skipped.id, reason="skip")

    following = take_next(session, user=people["ann"], now=now, lease_for=LEASE, skip=[skipped.id])
    for_bob = take_next(session, user=people["bob"], now=now, lease_for=LEASE)

    assert following.id != skipped.id
    assert for_bob.id == skipped.id  # still in the queue for others


def test_a_claim_handed_back_to_a_reviewer_who_skipped_it_is_theirs_to_review(
    session, people, article
):
    """An editor may reassign a claim to a reviewer who skipped it earlier: they hold
    its lease, so it is the one they see, not one more claim under a second lease."""
    now = utcnow()
    skipped = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    release_lease(session, user=people["ann"], claim_id=skipped.id, reason="skip")
    reassign(
        session,
        user=people["eve"],
        claim_id=skipped.id,
        to=people["ann"],
        now=now,
        lease_for=LEASE,
    )

    shown = take_next(session, user=people["ann"], now=now, lease_for=LEASE, skip=[skipped.id])

    assert shown.id == skipped.id
    leased = select(Claim.id).where(Claim.leased_by_id == people["ann"].id)
    assert session.exec(leased).all() == [skipped.id]


def test_logging_out_releases_every_lease(session, people, article):
    take_next(session, user=people["ann"], now=utcnow(), lease_for=LEASE)
    assert release_all(session, user=people["ann"], reason="logout") == 1
    assert held_claim(session, user=people["ann"], now=utcnow()) is None


def test_a_pinned_article_comes_first(session, people, article, demo_text):
    other = split_now(session, demo_text.replace("NATO", "The alliance"))
    other.pinned = True
    session.add(other)
    session.commit()

    claim = take_next(session, user=people["ann"], now=utcnow(), lease_for=LEASE)
    assert claim.article_id == other.id


def test_once_a_pinned_article_is_taken_the_queue_goes_on_in_its_order(
    session, people, article, demo_text
):
    other = split_now(session, demo_text.replace("NATO", "The alliance"))
    other.pinned = True
    session.add(other)
    session.commit()
    now = utcnow()
    pinned = take_all(session, len(other.claims), now)

    following = take_next(session, user=people["ann"], now=now, lease_for=LEASE)

    assert {claim.article_id for claim in pinned} == {other.id}
    assert following.article_id == article.id
    assert following.id == max(article.claims, key=lambda c: (c.checkworthiness, -c.id)).id


def test_filters_narrow_what_is_handed_out(session, people, article):
    claim = take_next(
        session,
        user=people["ann"],
        now=utcnow(),
        lease_for=LEASE,
        review_filter=ReviewFilter(outlet="Al Jazeera"),
    )
    assert [o.name for o in claim.outlets] == ["Al Jazeera"]


@pytest.mark.parametrize("status", DECIDED)
def test_decided_claims_are_never_handed_out(session, people, article, status):
    for claim in article.claims:
        set_status(session, claim, status)
    assert take_next(session, user=people["ann"], now=utcnow(), lease_for=LEASE) is None


@pytest.mark.parametrize("status", DECIDED)
def test_a_verdict_is_recorded_with_its_note_and_frees_the_lease(session, people, article, status):
    now = utcnow()
    claim = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    seen = claim.version

    decided = decide(
        session,
        user=people["ann"],
        claim_id=claim.id,
        status=status,
        seen_version=claim.version,
        now=now,
        note="Checked against the Reuters story.",
        evidence_urls=["https://reuters.com/x"],
    )
    session.commit()

    assert decided.status == status
    assert decided.version == seen + 1
    assert decided.leased_by_id is None
    assert decided.decided_by.username == "ann"
    verdict = session.exec(select(Verdict)).one()
    assert (verdict.status, verdict.note) == (status, "Checked against the Reuters story.")
    assert actions(session) == ["lease.taken", "verdict"]


@pytest.mark.parametrize("status", [ClaimStatus.DISPUTED, ClaimStatus.UNSOURCED])
def test_disputed_and_unsourced_need_a_note(session, people, article, status):
    claim = take_next(session, user=people["ann"], now=utcnow(), lease_for=LEASE)
    with pytest.raises(UserError, match="A note is required"):
        decide(
            session,
            user=people["ann"],
            claim_id=claim.id,
            status=status,
            seen_version=claim.version,
            now=utcnow(),
            note="  ",
        )


def test_evidence_must_be_web_addresses(session, people, article):
    claim = take_next(session, user=people["ann"], now=utcnow(), lease_for=LEASE)
    with pytest.raises(UserError, match="not a web address"):
        decide(
            session,
            user=people["ann"],
            claim_id=claim.id,
            status=ClaimStatus.VERIFIED,
            seen_version=claim.version,
            now=utcnow(),
            evidence_urls=["javascript:alert(1)"],
        )


@pytest.mark.parametrize("status", DECIDED)
def test_a_verdict_on_a_claim_decided_meanwhile_is_refused_with_what_changed(
    session, people, article, status
):
    now = utcnow()
    claim = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    seen = claim.version
    release_lease(session, user=people["ann"], claim_id=claim.id, reason="skip")
    decide(
        session,
        user=people["bob"],
        claim_id=claim.id,
        status=status,
        seen_version=seen,
        now=now,
        note="bob's reason",
    )
    session.commit()

    with pytest.raises(Conflict, match=f"bob marked it {status.value}.*bob's reason"):
        decide(
            session,
            user=people["ann"],
            claim_id=claim.id,
            status=ClaimStatus.VERIFIED,
            seen_version=seen,
            now=now,
        )


def test_a_verdict_on_a_claim_another_reviewer_holds_is_refused(session, people, article):
    now = utcnow()
    claim = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    with pytest.raises(Conflict, match="ann is reviewing it now"):
        verify(session, people["bob"], claim, now)


def test_undo_within_the_window_brings_the_claim_back_to_its_reviewer(session, people, article):
    now = utcnow()
    claim = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    verify(session, people["ann"], claim, now)
    session.commit()

    back = undo_last(
        session, user=people["ann"], now=now + UNDO_WINDOW - timedelta(seconds=1), lease_for=LEASE
    )

    assert back.id == claim.id
    assert back.status == ClaimStatus.PENDING
    assert back.leased_by_id == people["ann"].id
    assert session.exec(select(Verdict.undone_at)).one() is not None
    assert actions(session)[-2:] == ["verdict.undo", "lease.taken"]


def test_undo_after_the_window_is_refused(session, people, article):
    now = utcnow()
    claim = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    verify(session, people["ann"], claim, now)
    with pytest.raises(Conflict, match="no verdict of yours from the last 30 seconds"):
        undo_last(
            session,
            user=people["ann"],
            now=now + UNDO_WINDOW + timedelta(seconds=1),
            lease_for=LEASE,
        )


def test_undo_of_a_claim_changed_since_is_refused(session, people, article):
    now = utcnow()
    claim = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    verify(session, people["ann"], claim, now)
    reopen(session, user=people["eve"], claim_id=claim.id, reason="wrong source", now=now)
    decide(
        session,
        user=people["bob"],
        claim_id=claim.id,
        status=ClaimStatus.DISPUTED,
        seen_version=claim.version,  # as refreshed by the reopen: what bob sees
        now=now,
        note="no",
    )

    with pytest.raises(Conflict):
        undo_last(session, user=people["ann"], now=now, lease_for=LEASE)


def test_undo_takes_back_the_last_verdict_only(session, people, article):
    now = utcnow()
    first = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    verify(session, people["ann"], first, now)
    second = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    verify(session, people["ann"], second, now)

    assert undo_last(session, user=people["ann"], now=now, lease_for=LEASE).id == second.id
    with pytest.raises(Conflict, match="no verdict of yours"):
        undo_last(session, user=people["ann"], now=now, lease_for=LEASE)
    assert session.get(Claim, first.id).status == ClaimStatus.VERIFIED


def test_undo_after_an_editor_reopened_the_last_verdict_reaches_no_further_back(
    session, people, article
):
    now = utcnow()
    first = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    verify(session, people["ann"], first, now)
    second = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    verify(session, people["ann"], second, now)
    reopen(session, user=people["eve"], claim_id=second.id, reason="wrong source", now=now)

    with pytest.raises(Conflict):
        undo_last(session, user=people["ann"], now=now, lease_for=LEASE)
    assert session.get(Claim, first.id).status == ClaimStatus.VERIFIED


def test_one_cannot_undo_another_reviewers_verdict(session, people, article):
    now = utcnow()
    claim = take_next(session, user=people["ann"], now=now, lease_for=LEASE)
    verify(session, people["ann"], claim, now)
    with pytest.raises(Conflict):
        undo_last(session, user=people["bob"], now=now, lease_for=LEASE)


@pytest.mark.parametrize("status", DECIDED)
def test_an_editor_reopens_a_verdict_and_the_claim_returns_to_the_queue(
    session, people, article, status
):
    claim = set_status(session, article.claims[0], status)
    seen = claim.version

    reopened = reopen(
        session, user=people["eve"], claim_id=claim.id, reason="new evidence", now=utcnow()
    )
    session.commit()

    assert reopened.status == ClaimStatus.PENDING
    assert reopened.version == seen + 1
    assert actions(session) == ["verdict.reopen"]
    assert take_next(session, user=people["ann"], now=utcnow(), lease_for=LEASE) is not None


def test_a_pending_claim_cannot_be_reopened(session, people, article):
    with pytest.raises(Conflict, match="no verdict to reopen"):
        reopen(session, user=people["eve"], claim_id=article.claims[0].id, reason="x", now=utcnow())


def test_a_reviewer_cannot_reopen(session, people, article):
    claim = set_status(session, article.claims[0], ClaimStatus.VERIFIED)
    with pytest.raises(UserError, match="Only editors"):
        reopen(session, user=people["ann"], claim_id=claim.id, reason="x", now=utcnow())


def test_reopening_needs_a_reason(session, people, article):
    claim = set_status(session, article.claims[0], ClaimStatus.VERIFIED)
    with pytest.raises(UserError, match="Say why"):
        reopen(session, user=people["eve"], claim_id=claim.id, reason=" ", now=utcnow())


EVERY_STATUS = list(ClaimStatus)


def only_claim(session: Session, article: Article, status: ClaimStatus) -> Claim:
    """The article's first claim in `status`; every other claim decided out of the way."""
    first, *others = article.claims
    for other in others:
        set_status(session, other, ClaimStatus.VERIFIED)
    return set_status(session, first, status)


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_rule_lease_only_pending_claims_are_handed_out(session, people, article, status):
    claim = only_claim(session, article, status)
    taken = take_next(session, user=people["ann"], now=utcnow(), lease_for=LEASE)
    assert (taken is not None and taken.id == claim.id) == (status == ClaimStatus.PENDING)


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_rule_expiry_frees_a_lapsed_lease_whatever_the_status(session, people, article, status):
    claim = only_claim(session, article, status)
    claim.leased_by_id, claim.lease_expires_at = people["ann"].id, utcnow() - timedelta(seconds=1)
    session.add(claim)
    session.commit()
    assert expire_leases(session, now=utcnow()) == 1
    assert session.get(Claim, claim.id, populate_existing=True).leased_by_id is None


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_rule_skip_releases_only_ones_own_lease(session, people, article, status):
    claim = only_claim(session, article, status)
    claim.leased_by_id, claim.lease_expires_at = people["ann"].id, utcnow() + LEASE
    session.add(claim)
    session.commit()
    assert not release_lease(session, user=people["bob"], claim_id=claim.id, reason="skip")
    assert release_lease(session, user=people["ann"], claim_id=claim.id, reason="skip")


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_rule_verdict_only_on_a_pending_claim(session, people, article, status):
    claim = only_claim(session, article, status)
    attempt = lambda: decide(  # noqa: E731
        session,
        user=people["ann"],
        claim_id=claim.id,
        status=ClaimStatus.VERIFIED,
        seen_version=claim.version,
        now=utcnow(),
    )
    if status == ClaimStatus.PENDING:
        assert attempt().status == ClaimStatus.VERIFIED
    else:
        with pytest.raises(Conflict):
            attempt()


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_rule_undo_window_needs_ones_own_recent_verdict(session, people, article, status):
    claim = only_claim(session, article, ClaimStatus.PENDING)
    if status != ClaimStatus.PENDING:
        decide(
            session,
            user=people["ann"],
            claim_id=claim.id,
            status=status,
            seen_version=claim.version,
            now=utcnow(),
            note="why",
        )
        back = undo_last(session, user=people["ann"], now=utcnow(), lease_for=LEASE)
        assert back.status == ClaimStatus.PENDING
    else:
        with pytest.raises(Conflict):
            undo_last(session, user=people["ann"], now=utcnow(), lease_for=LEASE)


@pytest.mark.parametrize("status", EVERY_STATUS)
def test_rule_reopen_only_a_decided_claim(session, people, article, status):
    claim = only_claim(session, article, status)
    if status == ClaimStatus.PENDING:
        with pytest.raises(Conflict):
            reopen(session, user=people["eve"], claim_id=claim.id, reason="r", now=utcnow())
    else:
        assert (
            reopen(session, user=people["eve"], claim_id=claim.id, reason="r", now=utcnow()).status
            == ClaimStatus.PENDING
        )
