"""Who may do what: every route, for the anonymous and for every role, from the URL map."""

from __future__ import annotations

import re
import tempfile
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, select

from factcheck.accounts.users import create_token
from factcheck.config import load_settings
from factcheck.db import session_scope
from factcheck.models import CrossReference, Role
from factcheck.web import create_app
from factcheck.web.auth import PUBLIC_ENDPOINTS
from factcheck.web.extensions import LARGEST_ID
from tests.conftest import PASSWORD, log_in
from tests.helpers import add_evidence, split_now

R, E, A = Role.REVIEWER, Role.EDITOR, Role.ADMIN
NO_ROW = str(LARGEST_ID)
# The least role of every route, stated here and not read from the views: a view that
# forgets its role check fails the matrix below, and a new route fails
# test_every_route_has_its_role_stated_here until its role is written here.
LEAST_ROLE = {
    "admin.audit": A,
    "admin.export": A,
    "admin.verify": A,
    "api.article_report": E,
    "api.claim_verdict": R,
    "api.create_article": R,
    "api.get_article": R,
    "api.get_articles": R,
    "api.retry_article": R,
    "api.review_next": R,
    "articles.index": R,
    "articles.pin": E,
    "articles.retry": R,
    "articles.show": R,
    "articles.status": R,
    "articles.submit": R,
    "articles.submit_form": R,
    "auth.logout": R,
    "dashboard.index": E,
    "outlets.add": A,
    "outlets.edit": A,
    "outlets.health": A,
    "outlets.index": A,
    "outlets.new": A,
    "outlets.save": A,
    "outlets.switch": A,
    "publishing.article": E,
    "publishing.claim": E,
    "queue.index": R,
    "reports.json_report": E,
    "reports.pdf": E,
    "reports.show": E,
    "review.archived": R,
    "review.archived_page_read": R,
    "review.crossrefs": R,
    "review.index": R,
    "review.next_claim": R,
    "review.reassign_claim": E,
    "review.renew": R,
    "review.reopen_claim": E,
    "review.retry_crossrefs": R,
    "review.show": R,
    "review.skip": R,
    "review.start": R,
    "review.undo": R,
    "review.verdict": R,
    "users.add": A,
    "users.change_active": A,
    "users.change_role": A,
    "users.index": A,
}


def every_route() -> list[tuple[str, str, str]]:
    """(rule, method, endpoint) of every non-public route: a new route is tested as soon
    as it exists."""
    app = create_app(load_settings({"FACTCHECK_INSTANCE_DIR": tempfile.mkdtemp()}))
    return sorted(
        (rule.rule, method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.endpoint not in PUBLIC_ENDPOINTS
    )


ROUTES = every_route()


def concrete(rule: str, ids: dict[str, str] | None = None) -> str:
    """A URL the rule matches: the given value of each variable (else an id no row has),
    the first choice of an `any`."""
    rule = re.sub(r"<any\(\s*([^,)\s]+)[^>]*>", r"\1", rule)
    return re.sub(
        r"<(?:\w+:)?(\w+)>", lambda variable: (ids or {}).get(variable.group(1), NO_ROW), rule
    )


def test_every_route_has_its_role_stated_here():
    assert {endpoint for _rule, _method, endpoint in ROUTES} == set(LEAST_ROLE)


@pytest.mark.parametrize(
    ("rule", "method", "endpoint"), ROUTES, ids=[f"{m} {r}" for r, m, _ in ROUTES]
)
def test_the_anonymous_are_sent_to_the_login_page(app, rule, method, endpoint):
    response = app.test_client().open(concrete(rule), method=method)
    if rule.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


@pytest.fixture
def existing(session: Session, demo_text: str) -> dict[str, str]:
    """Ids of rows that exist, so that pages read past their "no such thing" answer."""
    article = split_now(session, demo_text)
    claim = article.claims[0]
    add_evidence(session, claim, "Reuters", "https://reuters.example/a", "quote found")
    crossref = session.exec(select(CrossReference.id)).one()
    return {
        "article_id": str(article.id),
        "claim_id": str(claim.id),
        "crossref_id": str(crossref),
        "name": "Reuters",
    }


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    ("rule", "method", "endpoint"), ROUTES, ids=[f"{m} {r}" for r, m, _ in ROUTES]
)
def test_each_role_reaches_exactly_the_routes_its_role_allows(
    app, stack, make_user, existing, role, rule, method, endpoint
):
    make_user("someone", role)
    if rule.startswith("/api/"):
        with session_scope(stack.settings.database_url) as db:
            token = create_token(db, username="someone", name="t", actor="t").token
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    else:
        client = log_in(app, "someone")
    # Pages are read with the ids of real rows; changes are sent about rows that do not
    # exist (the role check comes first), so no test changes a row or sends a task.
    response = client.open(concrete(rule, existing if method == "GET" else None), method=method)
    assert response.status_code < 500, response.data[:300]
    if role.allows(LEAST_ROLE[endpoint]):
        assert response.status_code not in (401, 403), response.data[:300]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("current_url", "back"),
    [
        ("http://localhost/queue?status=pending", "/queue?status=pending"),
        ("http://localhost//evil.example/x", "/queue"),
        (None, "/queue"),
    ],
)
def test_a_part_of_a_page_asked_for_after_the_session_ended_sends_the_page_to_log_in(
    app, current_url, back
):
    headers = {"HX-Request": "true"} | ({"HX-Current-URL": current_url} if current_url else {})

    response = app.test_client().post("/admin/users/rita/disable", headers=headers)

    assert response.status_code == 401
    login = urlsplit(response.headers["HX-Redirect"])
    assert (login.path, parse_qs(login.query)["next"]) == ("/login", [back])


def test_an_error_asked_for_by_htmx_takes_the_place_of_the_main_content(client):
    response = client.post("/admin/users/rita/disable", headers={"HX-Request": "true"})

    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "#main"
    assert response.headers["HX-Reselect"] == "#main"
    assert "HX-Retarget" not in client.post("/admin/users/rita/disable").headers


def test_the_login_page_is_public_and_labelled(app):
    page = app.test_client().get("/login").get_data(as_text=True)
    assert '<label for="username">Username</label>' in page
    assert '<label for="password">Password</label>' in page


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(app, make_user):
    make_user("rita")
    response = app.test_client().post("/login", data={"username": "rita", "password": "nope"})
    assert response.status_code == 401
    assert b"Wrong username or password" in response.data


def test_logins_are_rate_limited_per_account(app, make_user):
    make_user("rita")
    client = app.test_client()
    for _ in range(5):
        client.post("/login", data={"username": "rita", "password": "guess"})

    response = client.post("/login", data={"username": "rita", "password": PASSWORD})

    assert response.status_code == 429
    assert b"Too many failed logins" in response.data


def test_logins_are_rate_limited_per_address(app, make_user):
    make_user("rita")
    client = app.test_client()
    for attempt in range(20):
        client.post("/login", data={"username": f"nobody{attempt}", "password": "guess"})

    assert client.post("/login", data={"username": "rita", "password": PASSWORD}).status_code == 429


def test_a_disabled_user_cannot_log_in(app, make_user, session):
    user = make_user("rita")
    from factcheck.accounts.users import set_active

    set_active(session, username=user.username, active=False, actor="t")
    session.commit()
    response = app.test_client().post("/login", data={"username": "rita", "password": PASSWORD})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "next_url",
    ["//evil.example/x", "/\\evil.example/x", "https://evil.example/", "/\t/evil.example"],
)
def test_login_never_redirects_off_site(app, make_user, next_url):
    make_user("rita")
    response = app.test_client().post(
        "/login", data={"username": "rita", "password": PASSWORD, "next": next_url}
    )
    assert response.headers["Location"] == "/queue"


def test_session_cookies_are_secure_httponly_and_same_site_by_default(tmp_path):
    app = create_app(load_settings({"FACTCHECK_INSTANCE_DIR": str(tmp_path)}))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_passwords_are_stored_with_a_key_derivation_function(session, make_user):
    assert make_user("rita").password_hash.startswith("scrypt:")
