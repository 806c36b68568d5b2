"""An editor publishes a fact-check in Chromium, and a reader with no account opens it:
the public page shows the verdict and carries the ClaimReview for search engines."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlmodel import Session

from factcheck.models import Article, ClaimStatus, User
from tests.helpers import give_verdict, split_now

pytestmark = [pytest.mark.browser]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def disputed_claim(session: Session, demo_text: str, make_user: Callable[..., User]) -> int:
    article: Article = split_now(session, demo_text)
    claim = next(c for c in article.claims if "symbolic gesture" in c.text)
    give_verdict(
        session, make_user("rosa"), claim, ClaimStatus.DISPUTED, "Reuters printed it otherwise."
    )
    return claim.id


def test_a_published_review_is_read_without_an_account(
    browser, editor_page, live_server, disputed_claim: int
) -> None:
    reader = browser.new_context()
    public_url = f"{live_server}/claims/{disputed_claim}/review"
    try:
        assert reader.new_page().goto(public_url).status == 404  # not published yet

        editor_page.goto(f"{live_server}/claims/{disputed_claim}")
        editor_page.evaluate("window.stayedOnPage = true")
        editor_page.get_by_role("button", name="Publish this review").click()
        publishing = editor_page.get_by_role("region", name="Publishing")
        sync_api.expect(publishing).to_contain_text("public")
        assert editor_page.evaluate("window.stayedOnPage") is True  # swapped in place

        page = reader.new_page()
        assert page.goto(public_url).status == 200
        sync_api.expect(page.locator("main")).to_contain_text("Reuters printed it otherwise.")
        (ld,) = page.locator('script[type="application/ld+json"]').all_text_contents()
        review = json.loads(ld)
        assert review["@type"] == "ClaimReview"
        assert review["reviewRating"]["alternateName"] == "Disputed"
        assert review["url"] == public_url
    finally:
        reader.close()
