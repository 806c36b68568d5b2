"""Fixtures for tests in Chromium (Debian's, driven by Playwright; never a downloaded
browser): a live server on loopback, the browser, and a page logged in through the form.
conftest.py loads this module as a plugin, so every browser test module shares it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from werkzeug.serving import make_server

from factcheck.models import Role
from factcheck.web import create_app
from tests.harness import Stack

PASSWORD = "correct horse battery"  # tests.conftest's: its users log in with it

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


def serve(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def live_server(stack: Stack, clean_database: None) -> Iterator[str]:
    yield from serve(create_app(stack.settings))


@pytest.fixture
def short_lease_server(stack: Stack, clean_database: None) -> Iterator[str]:
    """Leases of about two seconds, to see one expire."""
    yield from serve(create_app(replace(stack.settings, lease_minutes=0.035)))


# Module scope: Playwright's sync API keeps an event loop running in this thread while
# the browser is open, and other modules' asyncio.run() cannot start beside it.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    # Assertions wait as long as page actions do (20 s): a loaded CI machine is slow,
    # and a wait that ends early only makes the test flaky, never stricter.
    sync_api.expect.set_options(timeout=20_000)
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


def _page_of(browser, live_server: str, make_user, username: str, role: Role) -> Iterator[object]:
    make_user(username, role)
    context, opened = logged_in_page(browser, live_server, username)
    yield opened
    context.close()


@pytest.fixture
def editor_page(browser, live_server, make_user) -> Iterator[object]:
    """An editor logged in through the login form."""
    yield from _page_of(browser, live_server, make_user, "edna", Role.EDITOR)


@pytest.fixture
def admin_page(browser, live_server, make_user) -> Iterator[object]:
    """An admin logged in through the login form."""
    yield from _page_of(browser, live_server, make_user, "ada", Role.ADMIN)


def start_reviewing(page, server: str) -> None:
    """Open the review page and press Enter on its "Start reviewing" button (focused as
    the page opens): the first claim is leased, on screen and focused."""
    from playwright.sync_api import expect

    page.goto(server + "/review")
    expect(page.get_by_role("button", name="Start reviewing")).to_be_focused()
    page.keyboard.press("Enter")
    # Focus lands on the claim once htmx settles the swap: keys pressed from then on
    # act on it, not on what the settling moves focus away from.
    expect(page.locator("#review [data-claim-id]")).to_be_focused()
