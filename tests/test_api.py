"""The JSON API."""

from __future__ import annotations

import flask
import pytest
from sqlmodel import func, select

from factcheck.models import Article, Claim, ClaimOutlet, Outlet
from tests.helpers import split_now


@pytest.fixture
def api(app, api_headers):
    """A client that sends an API token, as scripts do."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = api_headers["Authorization"]
    return client


def test_the_api_refuses_requests_without_a_token(app, demo_text):
    response = app.test_client().post("/api/articles", json={"text": demo_text})
    assert response.status_code == 401
    assert "Bearer" in response.get_json()["message"]


def test_the_api_ignores_a_browser_session_cookie(client, demo_text):
    response = client.post("/api/articles", json={"text": demo_text})
    assert response.status_code == 401


def test_api_requests_have_no_cookie_session_to_read_sign_or_send(app, api, demo_text):
    with app.test_request_context("/api/articles"):
        assert app.session_interface.is_null_session(flask.session._get_current_object())
    with app.test_request_context("/queue"):
        assert not app.session_interface.is_null_session(flask.session._get_current_object())

    response = api.post("/api/articles", json={"text": demo_text})

    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_a_wrong_token_is_refused(app):
    response = app.test_client().get("/api/articles", headers={"Authorization": "Bearer fct_nope"})
    assert response.status_code == 401


def test_articles_submitted_through_the_api_name_the_token_owner(api, session, demo_text):
    api.post("/api/articles", json={"text": demo_text})
    assert session.exec(select(Article.submitted_by)).one() == "bot"


def test_posting_json_creates_an_article(api, session, demo_text):
    response = api.post(
        "/api/articles", json={"text": demo_text, "published_at": "2017-05-25T13:45:00"}
    )

    assert response.status_code == 201
    body = response.get_json()
    assert body["created"] is True
    assert body["state"] == "received"
    assert body["href"] == f"/api/articles/{body['id']}"


def test_posting_the_same_article_again_returns_it_with_200(api, demo_text):
    first = api.post("/api/articles", json={"text": demo_text}).get_json()
    again = api.post("/api/articles", json={"text": demo_text})

    assert again.status_code == 200
    assert again.get_json()["id"] == first["id"]
    assert again.get_json()["created"] is False


def test_a_non_json_body_is_refused(api, session):
    response = api.post("/api/articles", data={"text": "x"})
    assert response.status_code == 400
    assert "application/json" in response.get_json()["message"]
    assert session.exec(select(func.count()).select_from(Article)).one() == 0


def test_a_malformed_date_is_refused_without_storing(api, session, demo_text):
    response = api.post("/api/articles", json={"text": demo_text, "published_at": "last Tuesday"})
    assert response.status_code == 400
    assert "ISO-8601" in response.get_json()["message"]
    assert session.exec(select(func.count()).select_from(Article)).one() == 0


def test_an_article_is_read_with_its_claims(api, session, demo_text):
    article = split_now(session, demo_text)

    body = api.get(f"/api/articles/{article.id}").get_json()

    assert body["state"] == "queued"
    assert body["claims"]["pending"] == len(body["claim_list"]) > 10
    reuters = [c for c in body["claim_list"] if "Reuters" in c["cited_outlets"]]
    assert len(reuters) == 3


def test_unknown_articles_are_404_json(api):
    response = api.get("/api/articles/4242")
    assert response.status_code == 404
    assert response.get_json()["message"] == "There is no article 4242."


def test_the_review_loop_over_the_api_leases_then_decides(api, session, demo_text):
    split_now(session, demo_text)

    claim = api.post("/api/review/next").get_json()
    decided = api.post(
        f"/api/claims/{claim['id']}/verdict",
        json={"status": "verified", "version": claim["version"]},
    )

    assert decided.status_code == 200
    assert decided.get_json()["status"] == "verified"
    assert api.post("/api/review/next").get_json()["id"] != claim["id"]


def test_the_review_loop_over_the_api_names_the_outlets_each_claim_cites(api, session, demo_text):
    article = split_now(session, demo_text)
    claims = session.exec(select(Claim).where(Claim.article_id == article.id)).all()
    twice_cited = next(c for c in claims if [o.name for o in c.outlets] == ["Reuters"])
    bbc = Outlet(name="BBC News")
    session.add(bbc)
    session.flush()
    session.add(ClaimOutlet(claim_id=twice_cited.id, outlet_id=bbc.id))
    session.commit()
    cited = {c.id: sorted(o.name for o in c.outlets) for c in claims}
    cited[twice_cited.id] = ["BBC News", "Reuters"]

    for _claim in claims:
        leased = api.post("/api/review/next").get_json()
        decided = api.post(
            f"/api/claims/{leased['id']}/verdict",
            json={"status": "verified", "version": leased["version"]},
        ).get_json()

        assert leased["cited_outlets"] == cited[leased["id"]]
        assert decided["cited_outlets"] == cited[leased["id"]]


def test_a_stale_api_verdict_is_409_with_what_changed(api, session, demo_text):
    split_now(session, demo_text)
    claim = api.post("/api/review/next").get_json()
    api.post(
        f"/api/claims/{claim['id']}/verdict",
        json={"status": "verified", "version": claim["version"]},
    )

    again = api.post(
        f"/api/claims/{claim['id']}/verdict",
        json={"status": "disputed", "note": "x", "version": claim["version"]},
    )

    assert again.status_code == 409
    assert "bot marked it verified" in again.get_json()["message"]


def test_an_empty_queue_answers_204(api):
    assert api.post("/api/review/next").status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "true"},
        {"status": "verified", "version": "1"},
        {"status": "verified", "version": 10**20},
        {"status": "verified", "version": -(10**20)},
        {"status": "verified", "version": True},
    ],
)
def test_a_malformed_verdict_is_a_400(api, session, demo_text, body):
    split_now(session, demo_text)
    claim = api.post("/api/review/next").get_json()
    assert api.post(f"/api/claims/{claim['id']}/verdict", json=body).status_code == 400


def test_a_javascript_url_is_refused(api, session, demo_text):
    response = api.post(
        "/api/articles", json={"html": f"<p>{demo_text}</p>", "url": "javascript:alert(1)"}
    )
    assert response.status_code == 400
    assert session.exec(select(func.count()).select_from(Article)).one() == 0


@pytest.mark.parametrize(
    "query", ["limit=-1", "limit=abc", "offset=-5", "offset=99999999999999999999", "limit=1e9"]
)
def test_odd_paging_values_are_clamped(api, query):
    assert api.get(f"/api/articles?{query}").status_code == 200


def test_a_publisher_that_is_not_text_is_refused(api, demo_text):
    response = api.post("/api/articles", json={"text": demo_text, "publisher": ["x"]})
    assert response.status_code == 400
