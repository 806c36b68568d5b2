"""An editor reads an article's verification report in Chromium: from the article page,
on paper (print media), as a PDF download, and reopens a verdict from it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from factcheck.models import Article, ClaimStatus, User
from tests.helpers import give_verdict, split_now

pytestmark = [pytest.mark.browser]
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def decided_demo(session: Session, demo_text: str, make_user: Callable[..., User]) -> Article:
    article = split_now(session, demo_text)
    first = min(article.claims, key=lambda claim: claim.position)
    give_verdict(session, make_user("rosa"), first, ClaimStatus.VERIFIED, "Matches the communiqué.")
    return article


def test_an_editor_opens_the_report_from_the_article_and_sees_it_is_not_finished(
    editor_page,
    live_server,
    decided_demo: Article,
) -> None:
    editor_page.goto(f"{live_server}/articles/{decided_demo.id}")
    editor_page.get_by_role("link", name="Verification report").click()

    editor_page.wait_for_url(f"**/articles/{decided_demo.id}/report")
    sync_api.expect(editor_page.get_by_role("status").first).to_contain_text("Not finished")
    progress = editor_page.get_by_role("progressbar", name="Claims decided")
    assert progress.get_attribute("aria-valuenow") == "1"
    sync_api.expect(editor_page.locator(".report-claim.is-pending")).to_have_count(
        len(decided_demo.claims) - 1
    )
    sync_api.expect(editor_page.locator(".report-claim").first).to_contain_text(
        "Matches the communiqué."
    )


def test_on_paper_the_report_leaves_out_navigation_and_controls(
    editor_page,
    live_server,
    decided_demo: Article,
) -> None:
    editor_page.goto(f"{live_server}/articles/{decided_demo.id}/report")
    sync_api.expect(editor_page.locator("header.site")).to_be_visible()

    editor_page.emulate_media(media="print")

    sync_api.expect(editor_page.locator("header.site")).to_be_hidden()
    sync_api.expect(editor_page.get_by_role("link", name="Download PDF")).to_be_hidden()
    sync_api.expect(editor_page.locator("form.reopen").first).to_be_hidden()
    sync_api.expect(
        editor_page.get_by_role("heading", name="Claims in article order")
    ).to_be_visible()


def test_the_pdf_link_downloads_a_pdf(
    editor_page,
    live_server,
    decided_demo: Article,
    tmp_path,
) -> None:
    editor_page.goto(f"{live_server}/articles/{decided_demo.id}/report")

    with editor_page.expect_download() as download:
        editor_page.get_by_role("link", name="Download PDF").click()

    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"factcheck-report-article-{decided_demo.id}.pdf"
    assert saved.read_bytes().startswith(b"%PDF-")


def test_reopening_a_verdict_from_the_report_returns_to_it_with_the_history(
    editor_page,
    live_server,
    decided_demo: Article,
) -> None:
    editor_page.goto(f"{live_server}/articles/{decided_demo.id}/report")
    decided = editor_page.locator(".report-claim").first

    decided.get_by_label("Reason for reopening").fill("The communiqué was withdrawn.")
    decided.get_by_role("button", name="Reopen").click()

    sync_api.expect(editor_page.get_by_role("status").first).to_contain_text(
        f"{len(decided_demo.claims)} of {len(decided_demo.claims)} claims still pending"
    )
    assert "#claim-" in editor_page.url
    sync_api.expect(editor_page.locator(".report-claim").first).to_contain_text("reopened")
    sync_api.expect(editor_page.locator(".report-claim").first).to_contain_text(
        "The communiqué was withdrawn."
    )
