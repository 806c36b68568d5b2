"""The dashboard and the audit page in Chromium: the chart, a figure clicked through to
its list, and the audit log filtered in place."""

from __future__ import annotations

import re

import pytest

from tests.dashboard_data import seed
from tests.test_audit_chain import log_events

pytestmark = [pytest.mark.browser]
sync_api = pytest.importorskip("playwright.sync_api")


def test_the_dashboard_draws_the_chart_and_a_bar_opens_that_days_claims(
    editor_page, live_server, session, make_user, demo_text
):
    seeded = seed(session, make_user, demo_text)
    today = seeded.now.date().isoformat()
    page = editor_page
    page.get_by_role("link", name="Dashboard").click()

    chart = page.get_by_role("img", name="Verdicts per day")
    sync_api.expect(chart).to_be_visible()
    sync_api.expect(page.locator("svg.chart a.bar")).to_have_count(30)
    bar = page.locator(f'svg.chart a.bar[data-day="{today}"]')
    sync_api.expect(bar.locator("title")).to_have_text(
        f"{today}: 3 verdicts (2 verified, 1 disputed, 0 unsourced)"
    )

    bar.click()

    page.wait_for_url(f"**/queue?decided_on={today}*")
    sync_api.expect(page.locator("tr[data-claim-id]")).to_have_count(3)
    sync_api.expect(page.locator(".more-filters")).to_contain_text(f"given a verdict on {today}")


def test_a_reviewers_figure_opens_the_claims_they_decided(
    editor_page, live_server, session, make_user, demo_text
):
    seed(session, make_user, demo_text)
    page = editor_page
    page.goto(live_server + "/dashboard")

    page.get_by_role("row", name="ann").locator('[data-figure="reviewer-disputed"]').click()

    page.wait_for_url("**/queue?*reviewer=ann*")
    sync_api.expect(page.locator("tr[data-claim-id]")).to_have_count(2)
    # The dashboard's filter stays while another one changes in place (once the page
    # has settled: htmx binds the filter form when the boosted page is swapped in).
    page.wait_for_load_state("networkidle")
    page.get_by_label("Text").fill("a")
    sync_api.expect(page).to_have_url(re.compile(r"q=a&.*reviewer=ann"), timeout=15_000)


def test_the_audit_log_filters_in_place(admin_page, live_server, session):
    log_events(session, 60, actor="ann")
    log_events(session, 3, actor="bob")
    page = admin_page
    page.get_by_role("link", name="Audit log").click()
    sync_api.expect(page.locator("tr[data-event-id]")).to_have_count(50)
    page.evaluate("window.stayedOnPage = true")

    page.get_by_label("Actor").fill("bob")

    sync_api.expect(page.locator("tr[data-event-id]")).to_have_count(3)
    assert "actor=bob" in page.url
    page.get_by_label("Actor").fill("ann")
    sync_api.expect(page.locator("#audit-events")).to_contain_text("page 1 of 2")
    page.get_by_role("link", name="Page 2").click()
    sync_api.expect(page.locator("tr[data-event-id]")).to_have_count(10)
    assert page.evaluate("window.stayedOnPage") is True  # swapped by htmx, never reloaded


def test_the_chain_check_answers_in_place(admin_page, live_server, session):
    log_events(session, 5)
    page = admin_page
    page.goto(live_server + "/admin/audit")
    page.evaluate("window.stayedOnPage = true")

    page.get_by_role("button", name="Verify chain").click()

    sync_api.expect(page.locator("#chain-check")).to_contain_text("The chain holds")
    assert page.evaluate("window.stayedOnPage") is True
