"""The admin's user management: who may see it, adding an account, changing a role,
disabling and enabling; bad input is refused with nothing written, and every change is
in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlmodel import func, select

from factcheck.accounts.users import create_token, set_role
from factcheck.models import AuditEvent, Claim, Role, User, utcnow
from factcheck.review.rules import take_next
from factcheck.web import create_app
from tests.conftest import PASSWORD, csrf_token_of, log_in
from tests.helpers import split_now

HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin_client(app, make_user) -> FlaskClient:
    make_user("ada", Role.ADMIN)
    return log_in(app, "ada")


def user_named(session, username: str) -> User | None:
    session.expire_all()
    return session.exec(select(User).where(User.username == username)).first()


def events(session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


# Who may see it


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/admin/users"),
        ("post", "/admin/users"),
        ("post", "/admin/users/rita/role"),
        ("post", "/admin/users/rita/disable"),
    ],
)
def test_editors_are_refused(editor_client, method, url):
    assert getattr(editor_client, method)(url, data={"role": "admin"}).status_code == 403


def test_the_anonymous_are_sent_to_log_in(app):
    response = app.test_client().get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admins_see_every_account_with_its_role_and_a_menu_link(admin_client, make_user):
    make_user("rita", Role.REVIEWER)
    make_user("eddie", Role.EDITOR)

    page = admin_client.get("/admin/users").get_data(as_text=True)

    assert 'href="/admin/users" aria-current="page">Users' in page
    for username in ("ada", "eddie", "rita"):
        assert f'<tr data-username="{username}">' in page
    assert 'ada <span class="muted">(you)</span>' in page


def test_the_menu_has_no_users_for_editors(editor_client):
    assert b'href="/admin/users"' not in editor_client.get("/queue").data


# Adding


def test_an_admin_adds_a_user_who_can_then_log_in(admin_client, app, session):
    response = admin_client.post(
        "/admin/users", data={"username": "nina", "role": "editor", "password": PASSWORD}
    )

    assert response.status_code == 303
    assert user_named(session, "nina").role == Role.EDITOR
    assert b"Added nina as editor." in admin_client.get("/admin/users").data
    assert log_in(app, "nina").get("/dashboard").status_code == 200
    [added] = [event for event in events(session, "user.add") if event.actor == "ada"]
    assert added.after == {"username": "nina", "role": "editor"}


def test_with_htmx_the_list_comes_back_in_place_with_what_was_done(admin_client, session):
    response = admin_client.post(
        "/admin/users",
        data={"username": "nina", "role": "reviewer", "password": PASSWORD},
        headers=HTMX,
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page
    assert '<section id="users"' in page
    assert '<tr data-username="nina">' in page
    # What was done fills the page's status region (kept, so screen readers announce it).
    assert '<div id="users-done" hx-swap-oob="innerHTML">' in page
    assert "Added nina as reviewer." in page


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"username": "nina", "role": "editor", "password": "short"}, 400, "at least 10"),
        ({"username": "n", "role": "editor", "password": PASSWORD}, 400, "2 to 64"),
        ({"username": "<script>", "role": "editor", "password": PASSWORD}, 400, "2 to 64"),
        ({"username": "..", "role": "editor", "password": PASSWORD}, 400, "not dots alone"),
        ({"username": "nina", "role": "owner", "password": PASSWORD}, 400, "Choose a role"),
        ({"username": "ada", "role": "editor", "password": PASSWORD}, 409, "exists already"),
    ],
    ids=["short-password", "short-name", "markup-name", "dots", "unknown-role", "taken-name"],
)
def test_bad_input_is_refused_with_a_reason_and_nothing_written(
    admin_client, session, form, status, message
):
    response = admin_client.post("/admin/users", data=form, headers=HTMX)

    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and message in page
    assert "<script>" not in page
    assert session.exec(select(func.count()).select_from(User)).one() == 1
    assert [event.after["username"] for event in events(session, "user.add")] == ["ada"]


def test_a_refused_form_keeps_the_name_and_role_but_never_the_password(admin_client):
    form = {"username": "nina", "role": "editor", "password": "short pw"}
    page = admin_client.post("/admin/users", data=form, headers=HTMX).get_data(as_text=True)

    assert 'value="nina"' in page
    assert '<option value="editor" selected>' in page
    assert "short pw" not in page


# Changing


def test_an_admin_changes_a_role(admin_client, make_user, session):
    make_user("rita", Role.REVIEWER)

    response = admin_client.post("/admin/users/rita/role", data={"role": "editor"}, headers=HTMX)

    assert response.status_code == 200 and b"rita is now editor." in response.data
    assert user_named(session, "rita").role == Role.EDITOR
    [changed] = events(session, "user.role")
    assert (changed.actor, changed.before, changed.after) == (
        "ada",
        {"role": "reviewer"},
        {"role": "editor"},
    )


def test_a_disabled_user_loses_login_and_api_token_and_can_be_enabled_again(
    admin_client, app, make_user, session
):
    make_user("rita", Role.REVIEWER)
    token = create_token(session, username="rita", name="script", actor="test").token
    session.commit()
    api = {"Authorization": f"Bearer {token}"}

    assert admin_client.post("/admin/users/rita/disable", headers=HTMX).status_code == 200
    assert user_named(session, "rita").active is False
    assert app.test_client().get("/api/articles", headers=api).status_code == 401
    refused = app.test_client().post("/login", data={"username": "rita", "password": PASSWORD})
    assert refused.status_code == 401

    enabled = admin_client.post("/admin/users/rita/enable", headers=HTMX)

    assert b"rita is enabled." in enabled.data
    assert app.test_client().get("/api/articles", headers=api).status_code == 200
    assert [e.action for e in events(session, "user.disable") + events(session, "user.enable")] == [
        "user.disable",
        "user.enable",
    ]


@pytest.mark.parametrize(
    ("url", "data"),
    [("/admin/users/ada/role", {"role": "reviewer"}), ("/admin/users/ada/disable", {})],
)
def test_an_admin_cannot_demote_or_disable_themselves(admin_client, session, url, data):
    response = admin_client.post(url, data=data, headers=HTMX)

    assert response.status_code == 400
    assert b"your own account" in response.data
    ada = user_named(session, "ada")
    assert (ada.role, ada.active) == (Role.ADMIN, True)
    assert events(session, "user.role") == events(session, "user.disable") == []


def test_the_cli_may_change_a_user_named_like_it(make_user, session):
    make_user("cli", Role.ADMIN)

    set_role(session, username="cli", role=Role.EDITOR, actor="cli")
    session.commit()

    assert user_named(session, "cli").role == Role.EDITOR


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("/admin/users/rita/role", {"role": "reviewer"}, b"rita is already reviewer."),
        ("/admin/users/rita/enable", {}, b"rita is already active."),
    ],
)
def test_a_change_that_changes_nothing_is_refused_and_not_recorded(
    admin_client, make_user, session, url, data, message
):
    make_user("rita", Role.REVIEWER)

    response = admin_client.post(url, data=data, headers=HTMX)

    assert response.status_code == 409 and message in response.data
    assert events(session, "user.role") == events(session, "user.enable") == []


def test_a_refused_change_without_htmx_is_a_whole_page_with_its_reason(admin_client, make_user):
    make_user("rita", Role.REVIEWER)

    response = admin_client.post("/admin/users/rita/role", data={"role": "owner"})

    assert response.status_code == 400
    assert b"<html" in response.data and b"Choose a role" in response.data
    assert b'role="alert"' in response.data


def test_a_refused_role_change_leaves_the_add_form_empty(admin_client):
    form = {"role": "editor"}
    page = admin_client.post("/admin/users/nobody/role", data=form, headers=HTMX).data

    assert b'<option value="editor" selected>' not in page


def test_changing_an_unknown_user_is_a_404(admin_client):
    response = admin_client.post("/admin/users/nobody/role", data={"role": "editor"}, headers=HTMX)
    assert response.status_code == 404
    assert b"There is no user" in response.data


def test_a_change_posted_without_its_csrf_token_is_refused(stack, make_user, session):
    make_user("ada", Role.ADMIN)
    make_user("rita", Role.REVIEWER)
    protected = log_in(create_app(stack.settings), "ada")

    response = protected.post("/admin/users/rita/role", data={"role": "admin"})

    assert response.status_code == 400
    assert user_named(session, "rita").role == Role.REVIEWER
    page = protected.get("/admin/users").data
    assert csrf_token_of(page)


def test_a_disabled_reviewers_claim_goes_back_to_the_queue(
    admin_client, make_user, session, demo_text
):
    rita = make_user("rita", Role.REVIEWER)
    split_now(session, demo_text)
    held = take_next(session, user=rita, now=utcnow(), lease_for=timedelta(minutes=10))
    session.commit()

    admin_client.post("/admin/users/rita/disable", headers=HTMX)

    session.expire_all()
    assert session.get(Claim, held.id).leased_by_id is None
    [released] = events(session, "lease.released")
    assert (released.actor, released.before, released.after) == (
        "ada",
        {"leased_by": "rita"},
        {"reason": "account disabled"},
    )
