"""A search that failed for a passing reason is tried again by itself, later each time and
a bounded number of times; its outlet reads "could not check" until a try succeeds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from factcheck.crossref.gather import Gathered
from factcheck.crossref.outcomes import (
    MAX_RETRIES,
    Failure,
    OutletOutcome,
    Searched,
    decide_outcome,
    next_retry,
)
from factcheck.crossref.store import requeue_due_retries, start_gathering, store_gathered
from factcheck.models import AuditEvent, Claim, ClaimOutletOutcome, CrossrefState, aware, utcnow
from tests.helpers import NOW, split_now

FEED = "https://outlet.example/feed.xml"
DNS = Failure(FEED, "dns", "The host outlet.example could not be found.")
GONE = Failure(FEED, "http_status", "answered 404 Not Found.")
BUSY = Failure(FEED, "http_status", "answered 503 Service Unavailable.", retryable=True)


def could_not_check(failure: Failure) -> OutletOutcome:
    return decide_outcome("Reuters", searched=Searched((FEED,)), meanings=[], failures=[failure])


@pytest.mark.parametrize("failure", [DNS, BUSY])
def test_a_passing_failure_is_tried_again_later_each_time(failure):
    waits = []
    tries = 0
    for _search in range(MAX_RETRIES):
        tries, retry_at = next_retry(could_not_check(failure), tries_before=tries, now=NOW)
        waits.append(retry_at - NOW)
    assert waits == [timedelta(minutes=minutes) for minutes in (5, 10, 20, 40, 80)]
    assert next_retry(could_not_check(failure), tries_before=tries, now=NOW) == (6, None)


def test_a_failure_for_good_and_an_answer_are_not_tried_again():
    assert next_retry(could_not_check(GONE), tries_before=0, now=NOW) == (0, None)
    found = decide_outcome(
        "Reuters", searched=Searched((FEED,)), meanings=["supports"], failures=[DNS]
    )
    assert next_retry(found, tries_before=3, now=NOW) == (0, None)


def gathering_done(session: Session, claim: Claim, outcome: OutletOutcome) -> ClaimOutletOutcome:
    assert start_gathering(session, claim.id)
    session.commit()
    store_gathered(session, claim.id, Gathered([], [outcome]))
    session.commit()
    return session.exec(
        select(ClaimOutletOutcome).where(ClaimOutletOutcome.claim_id == claim.id)
    ).one()


def test_a_claim_is_gathered_again_when_its_next_try_is_due(session: Session, demo_text: str):
    claim = split_now(session, demo_text).claims[0]
    first = gathering_done(session, claim, could_not_check(DNS))
    assert first.tries == 1
    due, first_checked = aware(first.retry_at), aware(first.checked_at)
    assert timedelta(minutes=4) < due - utcnow() <= timedelta(minutes=5)

    assert requeue_due_retries(session, now=due - timedelta(seconds=1)) == {}
    # Gathered again at the outlet that could not be checked only.
    assert requeue_due_retries(session, now=due) == {claim.id: ("Reuters",)}
    session.commit()
    session.refresh(claim)
    assert claim.crossref_state == CrossrefState.WAITING
    retried = session.exec(select(AuditEvent).where(AuditEvent.action == "crossref.retry")).one()
    assert retried.actor == "system"

    second = gathering_done(session, claim, could_not_check(DNS))
    assert second.tries == 2 and second.retry_at - second.checked_at == timedelta(minutes=10)
    # Failing since the first try, though each try renews when it was checked.
    assert aware(second.failing_since) == first_checked < aware(second.checked_at)
    assert requeue_due_retries(session, now=aware(second.retry_at)) == {claim.id: ("Reuters",)}
    session.commit()
    answered = gathering_done(
        session,
        claim,
        decide_outcome("Reuters", searched=Searched((FEED,), 1, 1), meanings=[], failures=[]),
    )
    assert (answered.outcome, answered.tries, answered.retry_at) == ("nothing_found", 0, None)
    assert answered.failing_since is None
    assert requeue_due_retries(session, now=utcnow() + timedelta(days=1)) == {}


def test_a_claim_being_gathered_is_not_sent_again(session: Session, demo_text: str):
    claim = split_now(session, demo_text).claims[0]
    outcome = gathering_done(session, claim, could_not_check(BUSY))
    assert start_gathering(session, claim.id) is False  # done: nothing to take
    claim.crossref_state = CrossrefState.RUNNING
    session.add(claim)
    session.commit()
    assert requeue_due_retries(session, now=aware(outcome.retry_at)) == {}
