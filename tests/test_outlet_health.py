"""Which outlets cannot be checked now, since when and why: read from the outcomes that
gathering stores."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner
from sqlmodel import Session

from factcheck.cli import main
from factcheck.crossref.health import outlet_health
from factcheck.models import Claim
from tests.helpers import NOW, add_outcome, split_now


def searched(session: Session, claim: Claim, outlet: str, outcome: str, hours_ago: float) -> None:
    add_outcome(
        session,
        claim,
        outlet,
        outcome,
        reason=f"{outcome} {hours_ago} hours ago",
        checked_at=NOW - timedelta(hours=hours_ago),
    )


def test_an_outlet_whose_latest_searches_failed_is_failing_since_the_first_of_them(
    session: Session, demo_text: str
):
    claims = sorted(split_now(session, demo_text).claims, key=lambda c: c.position)
    searched(session, claims[0], "Reuters", "found", 3)
    searched(session, claims[1], "Reuters", "could_not_check", 2)
    searched(session, claims[2], "Reuters", "could_not_check", 1)
    searched(session, claims[0], "AFP", "could_not_check", 3)
    searched(session, claims[1], "AFP", "nothing_found", 1)
    searched(session, claims[3], "AFP", "could_not_check", 24 * 8)  # not lately

    health = outlet_health(session, now=NOW)

    reuters, afp = health
    assert reuters.outlet == "Reuters" and reuters.failing_now
    assert reuters.failing_since == NOW - timedelta(hours=2)
    assert reuters.last_answered == NOW - timedelta(hours=3)
    assert reuters.reason == "could_not_check 1 hours ago"
    assert reuters.failing_for_most and reuters.searches == 3
    assert afp.outlet == "AFP" and not afp.failing_now and afp.reason is None
    assert afp.counts == {
        "found": 0,
        "nothing_found": 1,
        "could_not_check": 1,
        "not_searchable": 0,
    }
    assert not afp.failing_for_most


def test_an_outlet_that_never_answered_is_failing_since_its_first_search(
    session: Session, demo_text: str
):
    claims = sorted(split_now(session, demo_text).claims, key=lambda c: c.position)
    searched(session, claims[0], "Gazette", "could_not_check", 5)
    searched(session, claims[1], "Gazette", "could_not_check", 4)
    [gazette] = outlet_health(session, now=NOW)
    assert gazette.failing_since == NOW - timedelta(hours=5) and gazette.last_answered is None


def test_no_search_lately_means_no_outlet_to_report(session: Session, demo_text: str):
    claim = split_now(session, demo_text).claims[0]
    searched(session, claim, "Reuters", "could_not_check", 24 * 30)
    assert outlet_health(session, now=NOW) == []


def test_the_outlets_health_command_names_what_cannot_be_checked_and_exits_1(
    stack, session: Session, demo_text: str
):
    claims = sorted(split_now(session, demo_text).claims, key=lambda c: c.position)
    add_outcome(session, claims[0], "Reuters", "could_not_check", reason="timed out")
    add_outcome(session, claims[0], "AFP", "found")

    text = CliRunner().invoke(main, ["outlets", "health"], env=stack.env)
    assert text.exit_code == 1
    assert "Reuters: 0 found, 0 nothing found, 1 could not check, 0 not searchable" in text.output
    assert "cannot be checked since" in text.output and "timed out" in text.output
    as_json = CliRunner().invoke(main, ["outlets", "health", "--format", "json"], env=stack.env)
    rows = {row["outlet"]: row for row in json.loads(as_json.output)}
    assert rows["Reuters"]["failing_now"] and not rows["AFP"]["failing_now"]
    assert rows["AFP"]["searches"]["found"] == 1 and rows["AFP"]["last_answered"]


def test_the_outlets_health_command_with_nothing_searched_says_so(stack, clean_database):
    result = CliRunner().invoke(main, ["outlets", "health"], env=stack.env)
    assert (result.exit_code, result.output) == (0, "no outlet was searched in the last 7 days\n")
