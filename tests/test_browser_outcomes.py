"""Someone reviewing reads in Chromium what searching each outlet came to, opens what failed,
and gathers again at one outlet without leaving the page."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from factcheck.models import Claim
from tests.helpers import add_evidence, add_outcome, split_now

pytestmark = [pytest.mark.browser]
sync_api = pytest.importorskip("playwright.sync_api")

DNS = {
    "url": "https://feeds.reuters.invalid/world.xml",
    "kind": "dns",
    "message": "The host feeds.reuters.invalid could not be found.",
    "retryable": False,
}


@pytest.fixture
def unchecked_claim(session: Session, demo_text: str) -> Claim:
    claim = min(split_now(session, demo_text).claims, key=lambda c: c.position)
    reason = f"1 request failed: host not found (DNS), {DNS['message']}"
    add_outcome(session, claim, "Reuters", "could_not_check", [DNS], reason=reason)
    add_outcome(session, claim, "AFP", "nothing_found")
    return claim


def test_a_reviewer_sees_why_an_outlet_could_not_be_checked_and_gathers_it_again(
    editor_page, live_server, unchecked_claim: Claim
) -> None:
    page = editor_page
    page.goto(f"{live_server}/claims/{unchecked_claim.id}")
    reuters = page.locator("li.outcome", has_text="Reuters")
    sync_api.expect(reuters.locator(".badge")).to_have_text("could not check")
    sync_api.expect(reuters).to_contain_text("host not found (DNS)")
    sync_api.expect(page.locator("li.outcome", has_text="AFP").locator(".badge")).to_have_text(
        "nothing found"
    )

    reuters.get_by_text("What was searched and what failed").click()
    sync_api.expect(reuters.locator("ul.failures")).to_contain_text(
        "dns The host feeds.reuters.invalid could not be found."
    )

    page.evaluate("window.stayedOnPage = true")
    reuters.get_by_role("button", name="Gather again at Reuters").click()
    sync_api.expect(page.locator(".crossrefs")).to_contain_text(
        "Gathering what the cited outlets published"
    )
    assert page.evaluate("window.stayedOnPage") is True


def test_the_outcomes_are_a_named_list_with_one_item_per_outlet(
    editor_page, live_server, unchecked_claim: Claim
) -> None:
    editor_page.goto(f"{live_server}/claims/{unchecked_claim.id}")
    outcomes = editor_page.get_by_role("list", name="What each outlet's search came to")
    sync_api.expect(outcomes.get_by_role("listitem")).to_have_count(2)


def test_a_reviewer_sees_the_whole_quote_diff_and_both_speakers_of_a_misattributed_quote(
    editor_page, live_server, session: Session, demo_text: str
) -> None:
    claim = next(c for c in split_now(session, demo_text).claims if c.speaker)
    url = "https://www.reuters.com/nato"
    add_evidence(session, claim, "Reuters", url, "quote differs", "words given to Ines Moreau")

    editor_page.goto(f"{live_server}/claims/{claim.id}")
    source = editor_page.locator("article.crossref", has_text="Reuters")
    mismatch = source.get_by_role("note")
    sync_api.expect(mismatch).to_be_visible()
    sync_api.expect(mismatch).to_contain_text(
        f"the source gives these words to Ines Moreau; the article, to {claim.speaker}"
    )
    diff = source.get_by_label("The quote as the article has it, against the source")
    sync_api.expect(diff.locator("ins")).to_have_text("institution")
