"""The outlet registry in Chromium: an admin finds an outlet as they type, gives it a
feed, is told what was saved, turns it off and finds it among the turned-off ones."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser]
sync_api = pytest.importorskip("playwright.sync_api")


def test_an_admin_finds_changes_and_turns_off_an_outlet(admin_page, live_server):
    page = admin_page
    page.get_by_role("link", name="Outlets").click()
    page.wait_for_load_state("networkidle")
    page.evaluate("window.stayedOnPage = true")

    page.get_by_label("Name or domain").fill("aljazeera")
    sync_api.expect(page.locator("#outlets-summary")).to_contain_text("1 outlet found")
    assert "q=aljazeera" in page.url
    page.get_by_role("link", name="Al Jazeera", exact=True).click()
    sync_api.expect(page.get_by_role("heading", level=1)).to_have_text("Al Jazeera")
    page.evaluate("document.getElementById('outlet-done').dataset.kept = 'yes'")

    two_feeds = "https://www.aljazeera.com/xml/rss/all.xml\nhttps://www.aljazeera.net/rss"
    page.get_by_label("Feeds").fill(two_feeds)
    page.get_by_label("Search page").fill("https://www.aljazeera.com/search/no-query-here")
    page.get_by_role("button", name="Save").click()
    sync_api.expect(page.get_by_role("alert")).to_contain_text("{query}")
    sync_api.expect(page.get_by_label("Feeds")).to_have_value(two_feeds)
    sync_api.expect(page.get_by_label("Search page")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Search page").fill("https://www.aljazeera.com/search/{query}")
    page.get_by_role("button", name="Save").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("Saved Al Jazeera.")
    sync_api.expect(page.get_by_text("Entry: Changed here")).to_be_visible()

    page.get_by_role("button", name="Turn off").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("Al Jazeera is turned off")
    # The region is the one the page started with, so each change is announced, and
    # the button pressed keeps the focus as it becomes "Turn on".
    sync_api.expect(page.get_by_role("status")).to_have_attribute("data-kept", "yes")
    sync_api.expect(page.get_by_role("button", name="Turn on")).to_be_focused()
    page.get_by_role("link", name="All outlets").click()
    sync_api.expect(page.get_by_role("heading", level=1)).to_have_text("Outlets")
    page.get_by_label("Entries").select_option("off")
    page.get_by_role("button", name="Find").click()
    sync_api.expect(page.locator("#outlets-summary")).to_contain_text("1 outlet found")
    sync_api.expect(page.locator('tr[data-outlet="Al Jazeera"]')).to_contain_text("Turned off")
    assert page.evaluate("window.stayedOnPage") is True
