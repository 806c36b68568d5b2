"""The dashboard: its figures on a known data set, the chart, and that every figure
links to a list holding exactly what it counts."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from xml.etree import ElementTree

import pytest
from sqlalchemy import text

from factcheck.models import ClaimStatus, Role, utcnow
from factcheck.reports.dashboard import (
    DayCount,
    describe_age,
    figures,
    queue_summary,
    verdict_chart_svg,
    verdicts_per_day,
)
from factcheck.review.queue import QueueFilter
from factcheck.review.rules import decide
from tests.conftest import log_in
from tests.dashboard_data import Seeded, seed
from tests.helpers import add_outcome, split_now

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def seeded(session, make_user, demo_text) -> Seeded:
    return seed(session, make_user, demo_text)


def counts(verified: int = 0, disputed: int = 0, unsourced: int = 0) -> dict[str, int]:
    return {"verified": verified, "disputed": disputed, "unsourced": unsourced}


# The figures


def test_verdicts_per_day_counts_each_status_and_zero_days(session, seeded):
    days = verdicts_per_day(session, now=seeded.now)
    today = seeded.now.date()

    assert len(days) == 30
    assert [d.day for d in days] == [today - timedelta(days=back) for back in range(29, -1, -1)]
    by_day = {d.day: d.counts for d in days}
    # Today: ann's two verified and the other article's disputed; bob's undone one is out.
    assert by_day[today] == counts(verified=2, disputed=1)
    assert by_day[today - timedelta(days=1)] == counts(unsourced=1)
    assert by_day[today - timedelta(days=2)] == counts(disputed=1)
    assert by_day[today - timedelta(days=3)] == counts()  # a day without verdicts
    assert sum(d.total for d in days) == 5  # the verdict of 40 days ago is outside


def test_a_day_is_the_utc_day_whatever_the_database_session_zone(session, make_user, demo_text):
    claim = split_now(session, demo_text).claims[0]
    late_yesterday = datetime.combine(utcnow().date(), datetime.min.time(), tzinfo=UTC)
    late_yesterday -= timedelta(minutes=30)
    decide(
        session,
        user=make_user("ann"),
        claim_id=claim.id,
        status=ClaimStatus.VERIFIED,
        seen_version=claim.version,
        now=late_yesterday,
    )
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # Fourteen hours ahead of UTC (for this transaction): its local date is today.
        session.exec(text("SET LOCAL TIME ZONE 'Pacific/Kiritimati'"))

    days = verdicts_per_day(session, now=utcnow())

    assert days[-2].counts == counts(verified=1) and days[-1].total == 0


def test_queue_size_and_oldest_pending(session, seeded):
    summary = queue_summary(session, now=seeded.now)

    all_claims = len(seeded.demo.claims) + len(seeded.other.claims)
    assert summary.size == all_claims - 6  # six verdicts stand; the undone one is pending
    assert summary.oldest_claim_id == seeded.claims["oldest_pending"]
    assert summary.age == timedelta(days=3, hours=2)


def test_per_reviewer_counts_are_the_verdicts_that_stand(session, seeded):
    found = figures(session, now=seeded.now)
    assert [(r.username, r.counts) for r in found.reviewers] == [
        ("ann", counts(verified=2, disputed=2)),
        ("bob", counts(verified=1, unsourced=1)),  # his undone verdict is not his
    ]


def test_articles_with_disputed_or_unsourced_claims(session, seeded):
    found = figures(session, now=seeded.now)
    assert found.flagged_total == 2
    assert [(a.article_id, a.disputed, a.unsourced) for a in found.flagged] == [
        (seeded.demo.id, 1, 1),
        (seeded.other.id, 1, 0),
    ]


def test_crossref_failures_by_outlet(session, seeded):
    found = figures(session, now=seeded.now)
    assert found.gathering_failed == 2
    assert [
        (o.outlet, o.fetch_failed_claims, o.failed_pages, o.gathering_failed_claims)
        for o in found.outlet_failures
    ] == [("Reuters", 2, 3, 1), ("Al Jazeera", 1, 1, 0)]


def test_an_empty_database_has_zero_figures(session):
    found = figures(session, now=utcnow())
    assert found.queue.size == 0 and found.queue.age is None
    assert [d.total for d in found.days] == [0] * 30
    assert found.reviewers == [] and found.flagged == [] and found.outlet_failures == []


@pytest.mark.parametrize(
    ("age", "said"),
    [
        (timedelta(seconds=20), "under a minute"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=2, minutes=5), "2 hours 5 minutes"),
        (timedelta(days=3, hours=4, minutes=59), "3 days 4 hours"),
        (timedelta(days=1, minutes=3), "1 day 3 minutes"),
    ],
)
def test_describe_age(age, said):
    assert describe_age(age) == said


# The chart, a pure function


def sample_days() -> list[DayCount]:
    start = date(2024, 5, 1)
    days = [DayCount(start + timedelta(days=n), counts()) for n in range(30)]
    days[3] = DayCount(days[3].day, counts(verified=4, disputed=2, unsourced=1))
    days[29] = DayCount(days[29].day, counts(disputed=1))
    return days


def chart(days: list[DayCount]) -> ElementTree.Element:
    svg = verdict_chart_svg(
        days, href=lambda day: f"/queue?decided_on={day}&status=all", title="Verdicts <per> day"
    )
    return ElementTree.fromstring(svg)


def test_the_chart_has_one_bar_per_day_each_with_its_tooltip_and_link():
    root = chart(sample_days())
    bars = root.findall(f".//{SVG}a[@class='bar']")

    assert len(bars) == 30
    assert all(bar.find(f"{SVG}title") is not None for bar in bars)
    assert bars[3].find(f"{SVG}title").text == (
        "2024-05-04: 7 verdicts (4 verified, 2 disputed, 1 unsourced)"
    )
    assert bars[0].find(f"{SVG}title").text == "2024-05-01: no verdicts"
    assert bars[0].get("href") == "/queue?decided_on=2024-05-01&status=all"
    assert bars[0].findall(f"{SVG}rect[@class]")[1:] == []  # a zero day: its hit area only


def test_the_chart_stacks_segments_in_proportion_from_the_axis():
    bars = chart(sample_days()).findall(f".//{SVG}a[@class='bar']")
    segments = bars[3].findall(f"{SVG}rect[@data-status]")

    heights = [float(s.get("height")) for s in segments]
    assert [s.get("data-status") for s in segments] == ["verified", "disputed", "unsourced"]
    assert heights[0] == pytest.approx(4 * heights[2]) and heights[1] == pytest.approx(
        2 * heights[2]
    )
    # Stacked: each segment starts where the one below it ends.
    for lower, upper in pairwise(segments):
        assert float(upper.get("y")) + float(upper.get("height")) == pytest.approx(
            float(lower.get("y"))
        )


def test_the_chart_is_a_named_image_with_labelled_axes():
    root = chart(sample_days())

    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "Verdicts <per> day"  # escaped in the markup
    assert "8 verdicts over 30 days" in root.find(f"{SVG}desc[@id='{desc_id}']").text
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Verdicts" in labels and "Day (UTC)" in labels
    assert "May 30" in labels  # the newest day is labelled


def test_an_empty_chart_still_draws_thirty_bars_and_an_axis():
    days = [DayCount(date(2024, 5, 1) + timedelta(days=n), counts()) for n in range(30)]
    root = chart(days)
    assert len(root.findall(f".//{SVG}a[@class='bar']")) == 30
    assert not root.findall(f".//{SVG}rect[@data-status]")


# The page and its links


def test_reviewers_are_refused_and_the_anonymous_sent_to_log_in(client, app):
    assert client.get("/dashboard").status_code == 403
    response = app.test_client().get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_editors_and_admins_see_the_dashboard_and_its_menu_link(editor_client, app, make_user):
    page = editor_client.get("/dashboard")
    assert page.status_code == 200
    assert b'href="/dashboard" aria-current="page">Dashboard' in page.data
    make_user("ada", Role.ADMIN)
    assert log_in(app, "ada").get("/dashboard").status_code == 200


def test_the_menu_has_no_dashboard_for_reviewers(client):
    assert b'href="/dashboard"' not in client.get("/queue").data


def test_the_page_shows_the_figures_and_the_chart(editor_client, seeded):
    page = editor_client.get("/dashboard").get_data(as_text=True)

    assert re.search(r'data-figure="queue-size">(\d+)<', page)
    assert ">3 days 2 hours</a>" in page
    assert page.count('class="bar"') == 30
    assert 'role="img"' in page
    # The table for screen readers: a row per day.
    assert len(re.findall(r"<tr><th scope=\"row\">", page)) >= 30


def listed(client, href: str) -> int:
    """How many claims or articles the list at `href` holds."""
    page = client.get(href).get_data(as_text=True)
    if href.startswith("/articles"):
        return len(re.findall(r'<td><a href="/articles/\d+">', page))
    if href.startswith("/claims/"):
        return 1
    total = re.search(r"Page \d+ of \d+ · (\d+) claims?", page)
    return int(total.group(1)) if total else 0


def test_every_figure_links_to_a_list_of_exactly_what_it_counts(editor_client, seeded):
    page = editor_client.get("/dashboard").get_data(as_text=True)
    found = re.findall(
        r'<a class="figure[^"]*" href="([^"]+)" data-figure="([^"]+)">([^<]+)</a>', page
    )

    names = {name for _href, name, _shown in found}
    assert {
        "queue-size",
        "oldest-pending",
        "reviewer-verified",
        "reviewer-disputed",
        "reviewer-unsourced",
        "reviewer-total",
        "flagged-total",
        "article-disputed",
        "article-unsourced",
        "gathering-failed",
        "fetch-failed",
        "outlet-gathering-failed",
    } <= names
    for href, name, shown in found:
        expected = 1 if name == "oldest-pending" else int(shown)
        assert listed(editor_client, html.unescape(href)) == expected, (name, href)


def test_each_days_bar_links_to_the_claims_given_a_verdict_that_day(editor_client, session, seeded):
    page = editor_client.get("/dashboard").get_data(as_text=True)
    bars = re.findall(r'<a class="bar" href="([^"]+)" data-day="([^"]+)"', page)
    totals = {d.day.isoformat(): d.total for d in verdicts_per_day(session, now=utcnow())}

    assert len(bars) == 30
    for href, day in bars:
        assert listed(editor_client, html.unescape(href)) == totals[day], day


def test_the_flagged_articles_list(editor_client, seeded):
    page = editor_client.get("/articles?flagged=1").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'<td><a href="/articles/(\d+)">', page)}
    assert shown == {seeded.demo.id, seeded.other.id}
    assert "Articles with disputed or unsourced claims" in page


# The queue filters the figures link to


def test_queue_filters_round_trip_through_the_query_string():
    args = {
        "status": "all",
        "reviewer": "ann",
        "decided_on": "2024-05-01",
        "crossref": "failed",
        "fetch_failed": "Reuters",
        "kind": "quote",
    }
    queue_filter = QueueFilter.from_args(args)
    assert queue_filter.decided_on == date(2024, 5, 1)
    assert queue_filter.as_args() == args
    assert [name for name, _v, _d in queue_filter.dashboard_filters()] == [
        "reviewer",
        "decided_on",
        "crossref",
        "fetch_failed",
    ]


@pytest.mark.parametrize(
    "args",
    [
        {"decided_on": "yesterday"},
        {"decided_on": "2024-02-30"},
        {"decided_on": "9999-12-31"},  # no next midnight to end the day
        {"crossref": "lost"},
        {"kind": "poem"},
    ],
)
def test_unknown_queue_filter_values_are_ignored(args):
    assert QueueFilter.from_args(args) == QueueFilter()


def test_the_queue_of_the_calendars_last_day_is_a_page_not_a_crash(client):
    assert client.get("/queue?decided_on=9999-12-31&status=all").status_code == 200


def test_the_queue_keeps_a_dashboard_filter_in_its_form(editor_client, seeded):
    page = editor_client.get("/queue?reviewer=ann&status=all").get_data(as_text=True)
    assert '<input type="hidden" name="reviewer" value="ann">' in page
    assert "decided by ann" in page
    assert listed(editor_client, "/queue?reviewer=ann&status=all") == 4


def test_an_outlet_that_cannot_be_checked_now_is_named_with_its_reason_and_a_banner(
    editor_client, session, demo_text
):
    claims = sorted(split_now(session, demo_text).claims, key=lambda c: c.position)
    dns = "1 request failed: host not found (DNS), The host feeds.example could not be found."
    for hours_ago, claim in zip((3, 2, 1), claims, strict=False):
        checked_at = utcnow() - timedelta(hours=hours_ago)
        add_outcome(session, claim, "Reuters", "could_not_check", reason=dns, checked_at=checked_at)

    page = editor_client.get("/dashboard").get_data(as_text=True)

    assert '<p class="banner warn" role="alert"><strong>Reuters cannot be checked:</strong>' in page
    assert "3 of its last 3 searches failed" in page
    failing = page[page.index('id="failing-heading"') : page.index('id="crossref-heading"')]
    assert '<th scope="row">Reuters</th>' in failing and "3 of 3" in failing
    assert html.escape(dns) in failing or dns in failing
    assert "Every outlet searched" not in page


def test_with_no_failing_outlet_the_dashboard_says_every_outlet_answered(editor_client, seeded):
    page = editor_client.get("/dashboard").get_data(as_text=True)
    assert "Every outlet searched in the last 7 days answered its latest search." in page
    assert 'class="banner warn"' not in page
