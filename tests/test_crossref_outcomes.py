"""What an outlet's search came to, and what each page's hint means: the rules a reviewer
reads every cross-reference by."""

from __future__ import annotations

import pytest

from factcheck.crossref.outcomes import (
    Failure,
    Searched,
    decide_outcome,
    meaning_of,
)

FEED = "https://outlet.example/feed.xml"
DNS = Failure(FEED, "dns", "The host outlet.example could not be found.")


@pytest.mark.parametrize(
    ("hints", "meaning"),
    [
        (("quote found",), "supports"),
        (("corroborates",), "supports"),
        (("quote differs",), "contradicts"),
        (("quote differs", "words given to Ines Moreau"), "contradicts"),
        (("quote not in source",), "contradicts"),
        (("mentions",), "related"),
        (("mentions", "credited to AFP"), "related"),
        (("no matching report", "credited to AFP"), "chain"),
        (("no matching report",), "rejected"),
        (("not an article",), "rejected"),
        (("fetch failed",), "rejected"),
        ((), "rejected"),
    ],
)
def test_each_hint_has_one_meaning(hints, meaning):
    assert meaning_of(hints) == meaning


@pytest.mark.parametrize("meaning", ["supports", "contradicts", "related"])
def test_a_page_that_bears_on_the_claim_makes_the_outlet_found(meaning):
    searched = Searched((FEED,), 1, 2)
    outcome = decide_outcome("AFP", searched=searched, meanings=[meaning], failures=[])
    assert outcome.outcome == "found"


def test_a_page_that_only_credits_another_outlet_finds_nothing_at_this_one():
    outcome = decide_outcome(
        "AFP", searched=Searched((FEED,), 1, 1), meanings=["chain", "rejected"], failures=[]
    )
    assert outcome.outcome == "nothing_found"
    assert outcome.reason == "Read 1 listing and 1 page; none bears on the claim."


def test_a_failed_request_with_nothing_found_is_never_nothing_found():
    outcome = decide_outcome(
        "AFP", searched=Searched((FEED,), 0, 0), meanings=["rejected"], failures=[DNS]
    )
    assert outcome.outcome == "could_not_check"
    assert outcome.reason == (
        "1 request failed: host not found (DNS), The host outlet.example could not be found."
        " Nothing that was read bears on the claim."
    )
    assert outcome.failures_as_dicts() == [
        {
            "url": FEED,
            "kind": "dns",
            "message": "The host outlet.example could not be found.",
            "retryable": False,
        }
    ]


def test_what_was_found_stays_found_when_another_request_failed():
    outcome = decide_outcome(
        "AFP", searched=Searched((FEED,), 1, 1), meanings=["supports"], failures=[DNS, DNS]
    )
    assert outcome.outcome == "found"
    assert "2 requests failed" in outcome.reason and "(and 1 more)" in outcome.reason


def test_an_outlet_with_no_route_is_not_searchable():
    outcome = decide_outcome("Gazette", searched=Searched(), meanings=[], failures=[])
    assert outcome.outcome == "not_searchable"
    assert "Outlets" in outcome.reason and "FACTCHECK_OUTLETS_FILE" in outcome.reason


def test_the_date_window_is_said_when_sitemaps_were_read():
    searched = Searched((FEED,), 2, 0, ("2017-05-22", "2017-05-28"))
    outcome = decide_outcome("AFP", searched=searched, meanings=[], failures=[])
    assert outcome.reason == (
        "Read 2 listings from 2017-05-22 to 2017-05-28 and 0 pages; none bears on the claim."
    )


def test_a_stored_failure_of_an_unknown_kind_reads_as_other():
    failure = Failure.from_dict({"url": FEED, "kind": "gremlins", "message": "odd"})
    assert (failure.kind, failure.label) == ("other", "failed")
    assert Searched.from_dict(Searched((FEED,), 1, 2).as_dict()) == Searched((FEED,), 1, 2)


@pytest.mark.parametrize("searched", [Searched(), Searched((FEED,), 1, 1)])
def test_an_outlet_reached_through_a_citation_chain_keeps_its_depth(searched):
    outcome = decide_outcome("AFP", searched=searched, meanings=[], failures=[], depth=1)
    assert outcome.depth == 1
