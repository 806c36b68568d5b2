"""The admin's outlet registry pages: finding an outlet, adding, changing, turning off and
restoring one; bad or hostile input refused with its reason and nothing written; a
change reaches the worker that splits the next article."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from factcheck.db import get_engine
from factcheck.models import ArticleState, AuditEvent, OutletEdit, Role
from factcheck.web import create_app
from tests.conftest import csrf_token_of, log_in
from tests.harness import wait_for
from tests.helpers import add_outcome, split_now
from tests.test_pipeline import article_state, claims_of, submit

HTMX = {"HX-Request": "true"}
PLANET = {
    "name": "Daily Planet",
    "aliases": "Planet newspaper",
    "domains": "dailyplanet.example",
    "feeds": "https://dailyplanet.example/rss.xml",
    "sitemaps": "",
    "search_url": "",
}


@pytest.fixture
def admin_client(app, make_user) -> FlaskClient:
    make_user("ada", Role.ADMIN)
    return log_in(app, "ada")


def edits(session) -> int:
    return session.exec(select(func.count()).select_from(OutletEdit)).one()


def test_the_list_finds_outlets_by_name_or_domain_and_pages_the_rest(admin_client):
    everything = admin_client.get("/admin/outlets").get_data(as_text=True)
    assert 'aria-label="Pages of outlets"' in everything
    assert "Outlets</a>" in everything  # the menu link

    found = admin_client.get("/admin/outlets?q=reuters.com", headers=HTMX)
    page = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "<h1>" not in page  # the part, not the page
    assert 'data-outlet="Reuters"' in page
    assert "1 outlet found" in page

    nothing = admin_client.get("/admin/outlets?q=no+such+outlet").get_data(as_text=True)
    assert "No outlet matches “no such outlet”" in nothing


def test_an_admin_adds_an_outlet_and_lands_on_its_page(admin_client, session):
    response = admin_client.post("/admin/outlets", data=PLANET)

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/outlets/edit/Daily%20Planet"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Added Daily Planet." in page
    assert "https://dailyplanet.example/rss.xml" in page
    assert "Entry: Added here" in page
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "outlet.added")).all()
    assert event.actor == "ada"


def test_a_refused_outlet_keeps_what_was_typed_and_says_why(admin_client, session):
    typed = PLANET | {"domains": "https://dailyplanet.example/news"}

    response = admin_client.post("/admin/outlets", data=typed)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a domain: write it as reuters.com" in page
    assert 'role="alert"' in page
    assert 'value="Daily Planet"' in page
    assert "https://dailyplanet.example/news</textarea>" in page
    assert edits(session) == 0


def test_hostile_names_are_shown_as_text(admin_client):
    hostile = PLANET | {"name": "<script>alert(1)</script> Times", "aliases": ""}

    admin_client.post("/admin/outlets", data=hostile)
    page = admin_client.get("/admin/outlets?q=script").get_data(as_text=True)

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Times" in page


def test_an_admin_changes_turns_off_and_restores_a_shipped_outlet(admin_client, session):
    page = admin_client.get("/admin/outlets/edit/Reuters").get_data(as_text=True)
    assert "Entry: Shipped" in page
    assert 'id="restore"' not in page

    saved = admin_client.post(
        "/admin/outlets/edit/Reuters",
        data={
            "aliases": "Thomson Reuters",
            "domains": "reuters.com",
            "feeds": "https://r.example/f",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Saved Reuters." in saved and "Entry: Changed here" in saved

    off = admin_client.post("/admin/outlets/off/Reuters", follow_redirects=True)
    assert "Reuters is turned off" in off.get_data(as_text=True)
    listed = admin_client.get("/admin/outlets?source=off").get_data(as_text=True)
    assert 'data-outlet="Reuters" class="off"' in listed

    restored = admin_client.post("/admin/outlets/restore/Reuters", follow_redirects=True)
    assert "Entry: Shipped" in restored.get_data(as_text=True)
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.object_type == "outlet").order_by(AuditEvent.id)
    ).all()
    assert actions == ["outlet.changed", "outlet.turned_off", "outlet.restored"]


def test_an_unknown_outlet_is_a_404(admin_client, session):
    assert admin_client.get("/admin/outlets/edit/Nobody%20News").status_code == 404
    assert admin_client.post("/admin/outlets/off/Nobody%20News").status_code == 404
    assert admin_client.post("/admin/outlets/edit/Nobody%20News", data=PLANET).status_code == 404
    assert edits(session) == 0


def test_a_refused_change_is_answered_on_the_outlets_page(admin_client, session):
    response = admin_client.post("/admin/outlets/edit/Reuters", data={"aliases": "AFP"})

    assert response.status_code == 409
    assert "&#39;AFP&#39; already names AFP." in response.get_data(as_text=True)
    assert edits(session) == 0


def test_a_change_posted_without_its_csrf_token_is_refused(stack, make_user, session):
    make_user("ada", Role.ADMIN)
    protected = log_in(create_app(stack.settings), "ada")

    response = protected.post("/admin/outlets/off/Reuters")

    assert response.status_code == 400
    assert edits(session) == 0
    assert csrf_token_of(protected.get("/admin/outlets/edit/Reuters").data)


def test_an_outlet_added_in_the_browser_is_cited_by_the_next_split_in_the_worker(
    admin_client, worker, stack
):
    admin_client.post("/admin/outlets", data=PLANET)
    text = (
        "The harbour bridge will close for two years from March, the Daily Planet "
        "reported on Monday, citing city engineers."
    )

    article_id = submit(admin_client, text)
    wait_for(lambda: article_state(stack, article_id) == ArticleState.QUEUED, timeout=30)

    [claim] = claims_of(stack, article_id)
    with Session(get_engine(stack.settings.database_url)) as db:
        db.add(claim)
        assert [outlet.name for outlet in claim.outlets] == ["Daily Planet"]


def test_a_change_in_place_answers_with_the_entry_and_says_what_was_done(admin_client):
    response = admin_client.post(
        "/admin/outlets/off/Reuters", data={"seen_edit": "0"}, headers=HTMX
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="outlet"')
    assert '<div id="outlet-done" hx-swap-oob="innerHTML">' in page
    assert "Reuters is turned off" in page
    assert 'id="switch-outlet"' in page and ">Turn on</button>" in page


def test_a_change_made_by_another_admin_meanwhile_is_refused_with_409(admin_client, session):
    opened = admin_client.get("/admin/outlets/edit/Reuters").get_data(as_text=True)
    assert 'name="seen_edit" value="0"' in opened
    admin_client.post(
        "/admin/outlets/edit/Reuters", data={"domains": "reuters.com", "seen_edit": "0"}
    )

    stale = admin_client.post("/admin/outlets/off/Reuters", data={"seen_edit": "0"}, headers=HTMX)

    assert stale.status_code == 409
    assert "was changed by ada since you opened it" in stale.get_data(as_text=True)
    assert edits(session) == 1


def test_a_field_found_wrong_is_marked_for_assistive_technology(admin_client):
    response = admin_client.post(
        "/admin/outlets/edit/Reuters", data={"domains": "not a domain"}, headers=HTMX
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'aria-describedby="outlet-error o-domains-hint" aria-invalid="true"' in page
    assert page.count('aria-invalid="true"') == 1


def test_going_back_to_a_search_gets_the_whole_page(admin_client):
    restore = HTMX | {"HX-History-Restore-Request": "true"}

    page = admin_client.get("/admin/outlets?q=reuters", headers=restore).get_data(as_text=True)

    assert "<html" in page and "Outlets</a>" in page


def test_the_health_page_puts_an_outlet_that_cannot_be_checked_first_with_its_reason(
    admin_client, session, demo_text
):
    claims = sorted(split_now(session, demo_text).claims, key=lambda c: c.position)
    add_outcome(session, claims[0], "AFP", "found")
    failed = "1 request failed: <b>timed out</b>"
    add_outcome(session, claims[0], "Reuters", "could_not_check", reason=failed)

    page = admin_client.get("/admin/outlets/health").get_data(as_text=True)

    rows = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', page)
    assert rows == ["Reuters", "AFP"]
    assert "<strong>cannot be checked</strong> since" in page
    assert "&lt;b&gt;timed out&lt;/b&gt;" in page
    assert 'href="/admin/outlets/health"' in admin_client.get("/admin/outlets").get_data(
        as_text=True
    )


def test_the_health_page_with_no_search_lately_says_so(admin_client):
    page = admin_client.get("/admin/outlets/health").get_data(as_text=True)
    assert "No outlet was searched in the last 7 days." in page
