"""What a person does in Chromium: submit, watch the split, read, filter the queue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import col, func, select

from factcheck.models import Article, Claim
from tests.browsers import logged_in_page, start_reviewing
from tests.helpers import add_evidence, split_now

pytestmark = [pytest.mark.browser, pytest.mark.worker]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page(browser, live_server, make_user) -> Iterator[object]:
    """A reviewer logged in through the login form."""
    make_user("rita")
    context, opened = logged_in_page(browser, live_server, "rita")
    yield opened
    context.close()


def test_pasting_an_article_shows_its_split_progress_and_then_its_claims(
    page, live_server, worker, demo_text
):
    page.goto(live_server + "/")
    page.get_by_label("Article text").fill(demo_text)
    page.get_by_role("button", name="Split into claims").click()

    page.wait_for_url("**/articles/*")
    page.evaluate("window.stayedOnPage = true")
    sync_api.expect(page.locator("#article-status")).to_contain_text(
        "claims in the queue", timeout=30_000
    )
    sync_api.expect(page.locator("mark.claim").first).to_be_visible()

    assert page.evaluate("window.stayedOnPage") is True  # updated by htmx, never reloaded
    assert page.locator("mark.claim").count() >= 15
    assert "Reuters" in page.locator("mark.claim", has_text="NATO as an institution").get_attribute(
        "title"
    )


def test_an_empty_submission_shows_a_message_in_the_page(page, live_server):
    page.goto(live_server + "/")
    page.get_by_role("button", name="Split into claims").click()

    sync_api.expect(page.get_by_role("alert")).to_contain_text("Nothing was sent")


def test_filtering_the_queue_by_outlet_narrows_the_rows_and_the_address(
    page, live_server, worker, demo_text
):
    page.goto(live_server + "/")
    page.get_by_label("Article text").fill(demo_text)
    page.get_by_role("button", name="Split into claims").click()
    sync_api.expect(page.locator("#article-status")).to_contain_text(
        "claims in the queue", timeout=30_000
    )

    page.goto(live_server + "/queue")
    page.get_by_label("Cited outlet").select_option("Reuters")

    sync_api.expect(page.locator("tr[data-claim-id]")).to_have_count(3)
    assert "outlet=Reuters" in page.url
    page.get_by_label("Text").fill("symbolic")
    sync_api.expect(page.locator("tr[data-claim-id]")).to_have_count(1)


def test_a_reviewer_decides_three_claims_with_the_keyboard_and_undoes_one(
    page, live_server, session, demo_text
):
    split_now(session, demo_text)
    start_reviewing(page, live_server)
    page.evaluate("window.stayedOnPage = true")
    on_screen = page.locator("#review [data-claim-id]")
    decided = []

    decided.append(on_screen.get_attribute("data-claim-id"))
    page.keyboard.press("v")
    sync_api.expect(on_screen).not_to_have_attribute("data-claim-id", decided[-1])

    sync_api.expect(on_screen).to_be_focused()  # focus lands on the next claim
    decided.append(on_screen.get_attribute("data-claim-id"))
    page.keyboard.press("d")
    sync_api.expect(page.get_by_label("Note")).to_be_focused()
    page.keyboard.type("The Reuters report says the opposite.")
    page.keyboard.press("Enter")
    sync_api.expect(on_screen).not_to_have_attribute("data-claim-id", decided[-1])

    sync_api.expect(on_screen).to_be_focused()
    decided.append(on_screen.get_attribute("data-claim-id"))
    page.keyboard.press("u")
    page.keyboard.type("No source given.")
    page.keyboard.press("Enter")
    sync_api.expect(on_screen).not_to_have_attribute("data-claim-id", decided[-1])
    sync_api.expect(on_screen).to_be_focused()

    page.keyboard.press("z")
    sync_api.expect(on_screen).to_have_attribute("data-claim-id", decided[-1])
    sync_api.expect(page.locator("#review")).to_contain_text("Verdict undone")

    session.expire_all()
    statuses = {
        str(c.id): c.status.value
        for c in session.exec(select(Claim).where(col(Claim.id).in_([int(d) for d in decided])))
    }
    assert statuses == {decided[0]: "verified", decided[1]: "disputed", decided[2]: "pending"}
    # Each key was answered in place by htmx, none by a page load, however soon after
    # the previous swap it came.
    assert page.evaluate("window.stayedOnPage") is True


def test_each_verdict_is_announced_in_the_live_region_that_stays_in_place(
    page, live_server, session, demo_text
):
    split_now(session, demo_text)
    start_reviewing(page, live_server)
    status = page.locator("#review-status")
    on_screen = page.locator("#review [data-claim-id]")

    for _ in range(2):
        shown = on_screen.get_attribute("data-claim-id")
        page.keyboard.press("v")
        sync_api.expect(on_screen).not_to_have_attribute("data-claim-id", shown)
        sync_api.expect(status).to_contain_text("Marked verified")
        sync_api.expect(status).to_have_attribute("aria-live", "polite")
        sync_api.expect(status).to_have_attribute("role", "status")
        sync_api.expect(status).to_have_class("visually-hidden")
        page.evaluate("document.getElementById('review-status').textContent = ''")


def test_skip_is_a_button_on_screen_and_the_s_key(page, live_server, session, demo_text):
    split_now(session, demo_text)
    start_reviewing(page, live_server)
    on_screen = page.locator("#review [data-claim-id]")
    skip = page.get_by_role("button", name="Skip")

    box = skip.bounding_box()
    viewport = page.viewport_size
    assert 0 <= box["x"] < viewport["width"] and box["y"] >= 0
    shown = on_screen.get_attribute("data-claim-id")
    skip.click()
    sync_api.expect(on_screen).not_to_have_attribute("data-claim-id", shown)

    shown = on_screen.get_attribute("data-claim-id")
    page.keyboard.press("s")
    sync_api.expect(on_screen).not_to_have_attribute("data-claim-id", shown)
    sync_api.expect(page.locator("#review")).to_contain_text("Skipped")


def test_n_opens_the_note_and_j_k_walk_the_cross_references(page, live_server, session, demo_text):
    article = split_now(session, demo_text)
    for claim in article.claims:
        add_evidence(session, claim, "Reuters", "https://reuters.example/a", "quote found")
        add_evidence(session, claim, "AFP", "https://afp.example/b", "mentions")
    start_reviewing(page, live_server)

    page.keyboard.press("n")
    sync_api.expect(page.get_by_label("Note")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    sync_api.expect(page.locator("article.crossref").first).to_be_focused()
    page.keyboard.press("j")
    sync_api.expect(page.locator("article.crossref").nth(1)).to_be_focused()
    page.keyboard.press("k")
    sync_api.expect(page.locator("article.crossref").first).to_be_focused()


def test_the_question_mark_shows_the_keys(page, live_server):
    page.goto(live_server + "/review")
    page.keyboard.press("?")
    sync_api.expect(page.get_by_role("dialog")).to_contain_text("Undo your last verdict")


def test_two_reviewers_on_one_claim_the_late_verdict_is_refused(
    browser, short_lease_server, make_user, session, demo_text
):
    split_now(session, demo_text)
    make_user("ann")
    make_user("bob")
    ann_context, ann = logged_in_page(browser, short_lease_server, "ann")
    bob_context, bob = logged_in_page(browser, short_lease_server, "bob")
    try:
        start_reviewing(ann, short_lease_server)
        claim_id = ann.locator("#review [data-claim-id]").get_attribute("data-claim-id")
        ann.wait_for_timeout(2500)  # ann's lease runs out while she reads
        start_reviewing(bob, short_lease_server)
        assert bob.locator("#review [data-claim-id]").get_attribute("data-claim-id") == claim_id
        bob.keyboard.press("v")
        sync_api.expect(bob.locator("#review")).to_contain_text("Marked verified")

        ann.keyboard.press("d")
        ann.keyboard.type("The outlet never said so.")
        ann.keyboard.press("Enter")

        sync_api.expect(ann.locator("#review")).to_contain_text("bob marked it verified")
        sync_api.expect(ann.locator("#review")).to_contain_text("Your verdict was not saved")
        # What she wrote is still there to copy, and she can go on to another claim.
        sync_api.expect(ann.get_by_label("Your note and evidence, not saved")).to_have_value(
            "The outlet never said so."
        )
        ann.keyboard.press("s")
        sync_api.expect(ann.locator("#review [data-claim-id]")).not_to_have_attribute(
            "data-claim-id", claim_id
        )
    finally:
        ann_context.close()
        bob_context.close()


def test_a_form_posted_without_the_csrf_token_is_refused(page, live_server, session):
    page.goto(live_server + "/")
    status = page.evaluate(
        """() => fetch('/articles', {method: 'POST',
              body: new URLSearchParams({text: 'A forged submission of enough words to count.'})})
            .then(response => response.status)"""
    )
    assert status == 400
    assert session.exec(select(func.count()).select_from(Article)).one() == 0
