"""An article's verification report, as the domain builds it: figures, claims in article
order with verdict and evidence, per-outlet tallies, history, and a report that never
looks finished while a claim is pending."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlmodel import Session

from factcheck.crossref.align import CORROBORATES, NO_MATCHING_REPORT, QUOTE_DIFFERS
from factcheck.errors import NotFound
from factcheck.models import Article, Claim, ClaimStatus, CrossrefState, Role, User
from factcheck.reports.verification import ArticleReport, build_report, report_as_json
from factcheck.review.rules import reopen
from tests.helpers import NOW, REUTERS_URL, add_evidence, add_outcome, give_verdict, split_now


def claims_of(article: Article) -> list[Claim]:
    return sorted(article.claims, key=lambda claim: claim.position)


def cited(article: Article, outlet: str) -> list[Claim]:
    return [c for c in claims_of(article) if outlet in {o.name for o in c.outlets}]


@pytest.fixture
def demo(session: Session, demo_text: str) -> Article:
    return split_now(session, demo_text)


@pytest.fixture
def reviewer(make_user: Callable[..., User]) -> User:
    return make_user("rita")


def test_a_fresh_article_is_all_pending_and_the_report_says_it_is_not_finished(
    session: Session, demo: Article
) -> None:
    report = build_report(session, article_id=demo.id, now=NOW)

    assert report.figures.claims == len(demo.claims) > 0
    assert report.figures.by_status == {
        "pending": len(demo.claims),
        "verified": 0,
        "disputed": 0,
        "unsourced": 0,
    }
    assert report.figures.decided == 0
    assert report.figures.percent_decided == 0
    assert not report.figures.complete
    assert all(claim.pending for claim in report.claims)


def test_claims_come_in_article_order_with_their_speaker_and_cited_outlets(
    session: Session, demo: Article
) -> None:
    report = build_report(session, article_id=demo.id, now=NOW)

    assert [c.position for c in report.claims] == sorted(c.position for c in demo.claims)
    reuters_quote = next(c for c in report.claims if "NATO as an institution" in c.text)
    assert reuters_quote.speaker == "one senior diplomat involved in the discussions"
    assert reuters_quote.cited_outlets == ["Reuters"]


def test_verdicts_are_reported_and_the_report_is_complete_only_when_every_claim_is_decided(
    session: Session, demo: Article, reviewer: User
) -> None:
    claims = claims_of(demo)
    for claim in claims[:-1]:
        give_verdict(session, reviewer, claim, ClaimStatus.VERIFIED)
    report = build_report(session, article_id=demo.id, now=NOW)
    assert not report.figures.complete
    assert report.figures.decided == len(claims) - 1
    assert report.claims[-1].pending

    give_verdict(session, reviewer, claims[-1], ClaimStatus.DISPUTED, "The minister denied it.")
    report = build_report(session, article_id=demo.id, now=NOW)

    assert report.figures.complete
    assert report.figures.percent_decided == 100
    last = report.claims[-1]
    assert (last.status, last.reviewer, last.note) == (
        "disputed",
        "rita",
        "The minister denied it.",
    )
    assert last.decided_at == NOW


def test_evidence_counts_a_claim_as_cross_referenced_and_a_differing_quote_is_counted(
    session: Session, demo: Article
) -> None:
    first, second, third = cited(demo, "Reuters")
    add_evidence(session, first, "Reuters", REUTERS_URL, QUOTE_DIFFERS)
    add_evidence(session, second, "Reuters", REUTERS_URL, CORROBORATES)
    add_evidence(session, third, "Reuters", "https://www.reuters.com/weather", NO_MATCHING_REPORT)

    report = build_report(session, article_id=demo.id, now=NOW)

    assert report.figures.cross_referenced == 2
    assert report.figures.quote_differs == 1
    entry = next(c for c in report.claims if c.id == first.id)
    (evidence,) = entry.evidence
    assert (evidence.outlet, evidence.url, evidence.hint) == ("Reuters", REUTERS_URL, QUOTE_DIFFERS)
    assert evidence.passage == "NATO as an institution will join the coalition."
    assert evidence.quote_diff == [["equal", "NATO as an"], ["insert", "institution"]]
    assert not evidence.archived


def test_per_outlet_tallies_count_verdicts_and_what_searching_the_outlet_came_to(
    session: Session, demo: Article, reviewer: User
) -> None:
    first, second, _unsearched = cited(demo, "Reuters")
    add_evidence(session, first, "Reuters", REUTERS_URL, QUOTE_DIFFERS)
    add_outcome(session, first, "Reuters", "found")
    add_evidence(session, second, "Reuters", "https://www.reuters.com/weather", NO_MATCHING_REPORT)
    add_outcome(session, second, "Reuters", "nothing_found")
    give_verdict(session, reviewer, first, ClaimStatus.DISPUTED, "Reuters printed it otherwise.")
    give_verdict(session, reviewer, second, ClaimStatus.UNSOURCED, "Nothing at Reuters.")
    unreachable, unsearchable, *_rest = cited(demo, "Al Jazeera")
    dns = {"url": "https://aljazeera.example/feed", "kind": "dns", "message": "not found"}
    add_outcome(session, unreachable, "Al Jazeera", "could_not_check", [dns])
    add_outcome(session, unsearchable, "Al Jazeera", "not_searchable")

    report = build_report(session, article_id=demo.id, now=NOW)

    tallies = {tally.outlet: tally for tally in report.outlets}
    reuters = tallies["Reuters"]
    assert (
        reuters.claims,
        reuters.verified,
        reuters.disputed,
        reuters.unsourced,
        reuters.pending,
    ) == (3, 0, 1, 1, 1)
    # The second was searched at Reuters and nothing there bears on it; the third has not
    # been searched yet, so it is not counted as not found.
    assert (reuters.not_found, reuters.could_not_check, reuters.not_searchable) == (1, 0, 0)
    aljazeera = tallies["Al Jazeera"]
    assert aljazeera.claims == len(cited(demo, "Al Jazeera"))
    # A search that failed is never "not found".
    assert (aljazeera.not_found, aljazeera.could_not_check, aljazeera.not_searchable) == (0, 1, 1)
    entry = next(c for c in report.claims if c.id == unreachable.id)
    assert [(o.outlet, o.outcome, o.failure_count) for o in entry.outcomes] == [
        ("Al Jazeera", "could_not_check", 1)
    ]
    rows = {row["outlet"]: row for row in report_as_json(report)["outlets"]}
    assert rows["Al Jazeera"]["could_not_check"] == 1 and rows["Reuters"]["not_found"] == 1


def test_a_claim_whose_gathering_failed_could_not_be_checked_at_its_outlets(
    session: Session, demo: Article
) -> None:
    claim = cited(demo, "Reuters")[0]
    claim.crossref_state = CrossrefState.FAILED
    session.add(claim)
    session.commit()
    reuters = next(
        t
        for t in build_report(session, article_id=demo.id, now=NOW).outlets
        if t.outlet == "Reuters"
    )
    assert (reuters.not_found, reuters.could_not_check) == (0, 1)


def test_a_reopened_verdict_stays_in_the_history_with_its_reason(
    session: Session, demo: Article, reviewer: User, make_user: Callable[..., User]
) -> None:
    editor = make_user("edna", Role.EDITOR)
    claim = claims_of(demo)[0]
    give_verdict(session, reviewer, claim, ClaimStatus.VERIFIED)
    reopen(session, user=editor, claim_id=claim.id, reason="A second source retracted.", now=NOW)
    session.commit()

    entry = build_report(session, article_id=demo.id, now=NOW).claims[0]

    assert entry.pending
    (verdict,) = entry.history
    assert (verdict.status, verdict.reviewer) == ("verified", "rita")
    assert verdict.reopen_reason == "A second source retracted."
    assert verdict.reopened_at == NOW


def test_the_json_form_has_iso_times_and_the_derived_figures(
    session: Session, demo: Article, reviewer: User
) -> None:
    give_verdict(session, reviewer, claims_of(demo)[0], ClaimStatus.VERIFIED)

    data = json.loads(
        json.dumps(report_as_json(build_report(session, article_id=demo.id, now=NOW)))
    )

    assert data["article_id"] == demo.id
    assert data["generated_at"] == "2026-11-28T12:00:00+00:00"
    assert data["figures"]["decided"] == 1
    assert data["figures"]["complete"] is False
    assert data["claims"][0]["decided_at"] == "2026-11-28T12:00:00+00:00"
    assert data["claims"][0]["history"][0]["reviewer"] == "rita"
    assert {tally["outlet"] for tally in data["outlets"]} >= {"Reuters", "Al Jazeera"}


def test_an_article_without_claims_is_not_reported_as_finished(session: Session) -> None:
    article = split_now(session, "Sign up for our newsletter. Subscribe to get the latest news.")

    report = build_report(session, article_id=article.id, now=NOW)

    assert isinstance(report, ArticleReport)
    assert report.figures.claims == 0
    assert not report.figures.complete


def test_a_missing_article_is_a_not_found_error(session: Session) -> None:
    with pytest.raises(NotFound, match="no article 999"):
        build_report(session, article_id=999, now=NOW)
