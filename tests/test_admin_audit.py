"""The admin's audit page: filters, pages, the chain check, streamed exports, and each
claim's own events on its page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlmodel import col, select

from factcheck.audit import chain_head, record_event, verify_export
from factcheck.audit.search import AuditQuery, describe_change, page_numbers
from factcheck.errors import UserError
from factcheck.models import AuditEvent, ClaimStatus, Role, utcnow
from factcheck.review.rules import decide
from factcheck.web import create_app
from tests.conftest import log_in
from tests.helpers import split_now
from tests.test_audit_chain import log_events, tamper

HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin_client(app, make_user) -> FlaskClient:
    make_user("ada", Role.ADMIN)
    return log_in(app, "ada")


def event_ids(page: bytes) -> list[int]:
    return [int(i) for i in re.findall(rb'<tr data-event-id="(\d+)"', page)]


def ids_where(session, *conditions) -> list[int]:
    """The matching events' ids, newest first."""
    return list(
        session.exec(
            select(AuditEvent.id).where(*conditions).order_by(col(AuditEvent.id).desc())
        ).all()
    )


def log_at(session, at: datetime, *, actor: str = "cal", action: str = "test.timed") -> None:
    event = record_event(session, actor=actor, action=action, object_type="article", object_id=7)
    event.at = at  # before the commit, which hashes it into the chain
    session.commit()


# Who may see it


@pytest.mark.parametrize(
    "url", ["/admin/audit", "/admin/audit/export.jsonl", "/admin/audit/export.csv"]
)
def test_editors_are_refused_and_the_anonymous_sent_to_log_in(editor_client, app, url):
    assert editor_client.get(url).status_code == 403
    response = app.test_client().get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_editors_cannot_run_the_chain_check(editor_client):
    assert editor_client.post("/admin/audit/verify").status_code == 403


def test_admins_see_the_log_and_its_menu_link(admin_client):
    page = admin_client.get("/admin/audit")
    assert page.status_code == 200
    assert b'href="/admin/audit" aria-current="page">Audit log' in page.data


def test_the_menu_has_no_audit_log_for_editors(editor_client):
    assert b'href="/admin/audit"' not in editor_client.get("/queue").data


# Filters and pages


def test_the_log_is_shown_newest_first_fifty_to_a_page(admin_client, session):
    log_events(session, 120, actor="ann")
    ann = ids_where(session, AuditEvent.actor == "ann")

    first = admin_client.get("/admin/audit?actor=ann")
    second = admin_client.get("/admin/audit?actor=ann&page=2")
    last = admin_client.get("/admin/audit?actor=ann&page=3")

    assert event_ids(first.data) == ann[:50]
    assert event_ids(second.data) == ann[50:100]
    assert event_ids(last.data) == ann[100:]
    assert b'aria-current="page" aria-label="Page 2">2</a>' in second.data
    assert b"page 2 of 3" in second.data
    assert b"/admin/audit?page=3&amp;actor=ann" in second.data  # page links keep filters


def test_filters_by_actor_action_and_object(admin_client, session):
    log_events(session, 3, actor="ann")  # claims 0, 1, 2
    log_events(session, 2, actor="bob")  # claims 0, 1
    record_event(session, actor="bob", action="other", object_type="article", object_id=1)
    session.commit()

    by_actor = event_ids(admin_client.get("/admin/audit?actor=bob").data)
    by_action = event_ids(admin_client.get("/admin/audit?actor=bob&action=test.event").data)
    by_object = event_ids(admin_client.get("/admin/audit?object_type=claim&object_id=1").data)

    assert by_actor == ids_where(session, AuditEvent.actor == "bob") and len(by_actor) == 3
    assert len(by_action) == 2
    assert by_object == ids_where(
        session, AuditEvent.object_type == "claim", AuditEvent.object_id == "1"
    )
    assert len(by_object) == 2


def test_filters_by_time_range_with_whole_days(admin_client, session):
    log_at(session, datetime(2024, 5, 1, 23, 59, tzinfo=UTC))
    log_at(session, datetime(2024, 5, 2, 12, 0, tzinfo=UTC))
    log_at(session, datetime(2024, 5, 3, 0, 0, tzinfo=UTC))
    timed = ids_where(session, AuditEvent.action == "test.timed")

    one_day = admin_client.get("/admin/audit?since=2024-05-02&until=2024-05-02")
    from_time = admin_client.get("/admin/audit?since=2024-05-01T23:59&action=test.timed")

    assert event_ids(one_day.data) == [timed[1]]
    assert event_ids(from_time.data) == timed
    assert b'type="datetime-local" value="2024-05-01T23:59"' in from_time.data


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", b"From: &#39;yesterday&#39; is not a date"),
        ("until=2024-13-01", b"To: &#39;2024-13-01&#39; is not a date"),
        ("since=2024-05-03&until=2024-05-01", b"From must come before To."),
    ],
)
def test_a_bad_date_is_a_400_with_a_message(admin_client, query, message):
    full = admin_client.get(f"/admin/audit?{query}")
    partial = admin_client.get(f"/admin/audit?{query}", headers=HTMX)
    export = admin_client.get(f"/admin/audit/export.jsonl?{query}")

    for response in (full, partial, export):
        assert response.status_code == 400
        assert message in response.data
    assert b'role="alert"' in partial.data and b"<html" not in partial.data
    assert b'value="' + query.split("=")[1].split("&")[0].encode() + b'"' in full.data


def test_htmx_gets_the_events_only_and_the_page_varies_on_it(admin_client, session):
    log_events(session, 2, actor="ann")
    full = admin_client.get("/admin/audit?actor=ann")
    partial = admin_client.get("/admin/audit?actor=ann", headers=HTMX)
    boosted = admin_client.get("/admin/audit", headers={**HTMX, "HX-Boosted": "true"})

    assert b"<html" not in partial.data and b'id="audit-events"' in partial.data
    assert b"<html" in full.data and b"<html" in boosted.data
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in partial.headers["Vary"]
    assert event_ids(partial.data) == event_ids(full.data)


# The chain check


def test_verify_says_the_chain_holds(admin_client, session):
    log_events(session, 4)
    response = admin_client.post("/admin/audit/verify", headers=HTMX)
    holding = session.exec(select(AuditEvent.id)).all()
    assert f"The chain holds: {len(holding)} events".encode() in response.data
    assert b"<html" not in response.data


def test_verify_names_the_edited_event(admin_client, session, stack):
    log_events(session, 4)
    second = ids_where(session, AuditEvent.actor == "ann")[-2]
    tamper(stack, f"UPDATE audit_event SET actor = 'mallory' WHERE id = {second}")

    response = admin_client.post("/admin/audit/verify")  # without JavaScript: the page

    assert b"The chain does NOT hold" in response.data
    assert f"event {second}: its content does not match".encode() in response.data
    assert b"<html" in response.data


def test_verify_needs_the_csrf_token(stack, make_user):
    make_user("ada", Role.ADMIN)
    client = log_in(create_app(stack.settings, {"TESTING": True}), "ada")
    assert client.post("/admin/audit/verify").status_code == 400


# Exports


def exported_lines(client: FlaskClient, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return response.get_data(as_text=True).splitlines(keepends=True)


@pytest.mark.parametrize("file_format", ["jsonl", "csv"])
def test_the_export_is_the_whole_chain_and_verifies(admin_client, session, file_format):
    log_events(session, 7, actor="ann")
    head, _head_id = chain_head(session)

    lines = exported_lines(admin_client, f"/admin/audit/export.{file_format}")

    report = verify_export(lines)
    assert report.holds and not report.partial
    assert report.events == len(ids_where(session)) and report.head == head
    assert f'"head_sha256": "{head}"' in lines[0]


@pytest.mark.parametrize("file_format", ["jsonl", "csv"])
def test_a_filtered_export_holds_only_the_matching_events(admin_client, session, file_format):
    log_events(session, 3, actor="ann")
    log_events(session, 2, actor="bob")

    lines = exported_lines(admin_client, f"/admin/audit/export.{file_format}?actor=bob")

    report = verify_export(lines)
    assert report.holds and report.partial and report.events == 2
    assert '"complete_chain": false' in lines[0] and '"actor": "bob"' in lines[0]
    assert sum("ann" in line for line in lines[1:]) == 0


def test_the_export_streams_a_line_at_a_time(admin_client, session):
    log_events(session, 3, actor="ann")
    response = admin_client.get("/admin/audit/export.jsonl", buffered=False)
    try:
        chunks = iter(response.response)
        header = next(chunks)
        first_event = next(chunks)
    finally:
        response.close()
    assert b"head_sha256" in (header if isinstance(header, bytes) else header.encode())
    assert first_event.count(b"\n" if isinstance(first_event, bytes) else "\n") == 1


def test_the_page_offers_exports_with_its_filters(admin_client, session):
    log_events(session, 1, actor="bob")
    page = admin_client.get("/admin/audit?actor=bob").data
    assert b'href="/admin/audit/export.jsonl?actor=bob" hx-boost="false" download' in page
    assert b'href="/admin/audit/export.csv?actor=bob"' in page


# A claim's own events


def test_the_claim_page_shows_its_own_events_newest_first(client, session, demo_text, make_user):
    article = split_now(session, demo_text)
    claim, other = article.claims[0], article.claims[1]
    ann = make_user("ann")
    for target in (claim, other):
        decide(
            session,
            user=ann,
            claim_id=target.id,
            status=ClaimStatus.VERIFIED,
            seen_version=target.version,
            now=utcnow(),
        )
    session.commit()

    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)

    trail = page[page.index('class="audit-trail"') :]
    shown = [int(i) for i in re.findall(r'<li data-event-id="(\d+)"', trail)]
    assert shown == ids_where(
        session, AuditEvent.object_type == "claim", AuditEvent.object_id == str(claim.id)
    )
    assert "ann · <strong>verdict</strong>: status: pending → verified" in trail
    assert "All of this claim" not in page  # the audit page's link is for admins


# The pieces


def test_page_numbers_show_the_ends_and_the_neighbourhood():
    assert page_numbers(1, 1) == [1]
    assert page_numbers(5, 10) == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert page_numbers(2, 4) == [1, 2, 3, 4]


def test_a_query_takes_dates_and_times_in_utc():
    query = AuditQuery.from_args({"since": "2024-05-01", "until": "2024-05-02", "actor": " a "})
    assert query.export_filter.since == datetime(2024, 5, 1, tzinfo=UTC)
    assert query.export_filter.until == datetime(2024, 5, 2, tzinfo=UTC) + timedelta(days=1)
    assert query.export_filter.actor == "a" and query.args["actor"] == "a"
    with pytest.raises(UserError, match="too long"):
        AuditQuery.from_args({"object_id": "9" * 65})


def test_describe_change():
    assert describe_change({"status": "pending"}, {"status": "verified", "note": None}) == (
        "status: pending → verified; note: none"
    )
    assert describe_change({"leased_by": "rita"}, None) == "leased_by was rita"
    assert describe_change(None, None) == ""


@pytest.mark.parametrize(
    "query", ["until=9999-12-31", "since=0001-01-01T00:00%2B05:00", "since=9999-12-31T23:59-05:00"]
)
def test_a_date_beyond_the_calendar_is_a_400_not_a_crash(admin_client, query):
    for url in ("/admin/audit", "/admin/audit/export.jsonl"):
        response = admin_client.get(f"{url}?{query}")
        assert response.status_code == 400
        assert b"is beyond the calendar" in response.data
