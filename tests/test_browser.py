"""What a person does in Chromium: submit, watch the split, read, filter the queue."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from factcheck.web import create_app
from tests.conftest import PASSWORD
from tests.harness import Stack

pytestmark = [pytest.mark.browser, pytest.mark.worker]
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(stack: Stack, clean_database: None) -> Iterator[str]:
    app: Flask = create_app(stack.settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def logged_in_page(browser, live_server: str, username: str):
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    opened.goto(live_server + "/")
    opened.get_by_label("Username").fill(username)
    opened.get_by_label("Password").fill(PASSWORD)
    opened.get_by_role("button", name="Log in").click()
    opened.get_by_role("button", name="Log out").wait_for()
    return context, opened


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
