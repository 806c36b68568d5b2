"""The admin's user management in Chromium: an account added, promoted and disabled in
place, and a refused form answered with its reason, all without a page load."""

from __future__ import annotations

import pytest

from factcheck.models import Role

pytestmark = [pytest.mark.browser]
sync_api = pytest.importorskip("playwright.sync_api")


def test_an_admin_adds_promotes_and_disables_a_user_in_place(admin_page, live_server):
    page = admin_page
    page.get_by_role("link", name="Users").click()
    page.wait_for_load_state("networkidle")
    page.evaluate("window.stayedOnPage = true")
    page.evaluate("document.getElementById('users-done').dataset.kept = 'yes'")

    page.get_by_label("Username").fill("nina")
    page.get_by_label("Role", exact=True).select_option("reviewer")
    page.get_by_label("Password").fill("short")
    page.get_by_label("Password").evaluate("input => input.removeAttribute('minlength')")
    page.get_by_role("button", name="Add user").click()
    sync_api.expect(page.get_by_role("alert")).to_contain_text("at least 10 characters")
    sync_api.expect(page.get_by_label("Username")).to_have_value("nina")

    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Add user").click()
    sync_api.expect(page.get_by_role("status")).to_have_text("Added nina as reviewer.")
    row = page.locator('tr[data-username="nina"]')
    sync_api.expect(row).to_contain_text("Active")

    row.get_by_label("Role of nina", exact=True).select_option("editor")
    row.get_by_role("button", name="Change the role of nina").click()
    sync_api.expect(page.get_by_role("status")).to_have_text("nina is now editor.")

    page.get_by_role("button", name="Disable nina").click()
    sync_api.expect(page.get_by_role("status")).to_have_text("nina is disabled.")
    sync_api.expect(page.locator('tr[data-username="nina"]')).to_contain_text("Disabled")
    sync_api.expect(page.get_by_role("button", name="Enable nina")).to_be_visible()
    assert page.evaluate("window.stayedOnPage") is True
    # The status region is the one the page started with: its changes are announced.
    sync_api.expect(page.get_by_role("status")).to_have_attribute("data-kept", "yes")
    assert page.locator('tr[data-username="nina"] select').input_value() == Role.EDITOR.value
