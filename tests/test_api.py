"""The JSON API."""

from __future__ import annotations

from sqlmodel import func, select

from factcheck.models import Article
from tests.helpers import split_now


def test_posting_json_creates_an_article(client, session, demo_text):
    response = client.post(
        "/api/articles", json={"text": demo_text, "published_at": "2017-05-25T13:45:00"}
    )

    assert response.status_code == 201
    body = response.get_json()
    assert body["created"] is True
    assert body["state"] == "received"
    assert body["href"] == f"/api/articles/{body['id']}"


def test_posting_the_same_article_again_returns_it_with_200(client, demo_text):
    first = client.post("/api/articles", json={"text": demo_text}).get_json()
    again = client.post("/api/articles", json={"text": demo_text})

    assert again.status_code == 200
    assert again.get_json()["id"] == first["id"]
    assert again.get_json()["created"] is False


def test_a_non_json_body_is_refused(client, session):
    response = client.post("/api/articles", data={"text": "x"})
    assert response.status_code == 400
    assert "application/json" in response.get_json()["message"]
    assert session.exec(select(func.count()).select_from(Article)).one() == 0


def test_a_malformed_date_is_refused_without_storing(client, session, demo_text):
    response = client.post(
        "/api/articles", json={"text": demo_text, "published_at": "last Tuesday"}
    )
    assert response.status_code == 400
    assert "ISO-8601" in response.get_json()["message"]
    assert session.exec(select(func.count()).select_from(Article)).one() == 0


def test_an_article_is_read_with_its_claims(client, session, demo_text):
    article = split_now(session, demo_text)

    body = client.get(f"/api/articles/{article.id}").get_json()

    assert body["state"] == "queued"
    assert body["claims"]["pending"] == len(body["claim_list"]) > 10
    reuters = [c for c in body["claim_list"] if "Reuters" in c["cited_outlets"]]
    assert len(reuters) == 3


def test_unknown_articles_are_404_json(client):
    response = client.get("/api/articles/4242")
    assert response.status_code == 404
    assert response.get_json()["message"] == "There is no article 4242."
