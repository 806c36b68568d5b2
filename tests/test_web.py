"""The pages: submitting, reading an article with its claims, and the queue."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from sqlmodel import func, select

from factcheck.models import Article, AuditEvent, Claim, ClaimKind, ClaimStatus, CrossrefState
from factcheck.web import create_app
from tests.conftest import log_in
from tests.harness import OutletSimulator
from tests.helpers import split_now


def article_count(session) -> int:
    return session.exec(select(func.count()).select_from(Article)).one()


def test_pasting_an_article_stores_it_and_shows_its_progress(client, session, demo_text):
    response = client.post("/articles", data={"text": demo_text})

    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert b'id="article-status"' in page.data
    assert b"NATO to join the fight against Daesh" in page.data
    assert article_count(session) == 1


def test_submitting_the_same_article_again_shows_the_stored_one(client, session, demo_text):
    first = client.post("/articles", data={"text": demo_text})
    again = client.post("/articles", data={"text": demo_text})

    assert again.headers["Location"].split("?")[0] == first.headers["Location"].split("?")[0]
    assert b"already submitted" in client.get(again.headers["Location"]).data
    assert article_count(session) == 1


def test_uploading_a_text_file(client, session, demo_text):
    response = client.post(
        "/articles",
        data={"file": (io.BytesIO(demo_text.encode()), "memo.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert article_count(session) == 1


def test_submitting_a_url_fetches_the_page(client, session, outlets: OutletSimulator, demo_text):
    paragraphs = "".join(f"<p>{p}</p>" for p in demo_text.split("\n\n")[4:])
    outlets.page(
        "/news/nato",
        f"<html><head><title>NATO</title></head><body><article>{paragraphs}</article></body></html>",
    )

    response = client.post("/articles", data={"url": outlets.url("/news/nato")})

    assert response.status_code == 303
    article = session.exec(select(Article)).one()
    assert article.url == outlets.url("/news/nato")
    assert "one senior diplomat" in article.text


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"text": ""}, 400, b"Nothing was sent"),
        ({"text": "   "}, 400, b"Nothing was sent"),
        ({"text": "word " * 4_200_000}, 413, b"limit"),
        ({"file": (io.BytesIO(b"\x00\x01\x02binary" * 100), "x.txt")}, 400, b"binary"),
        ({"url": "http://127.0.0.2:9/"}, 422, b"private or local address"),
        ({"url": "not a url"}, 422, b"not a web address"),
    ],
    ids=["empty", "blank", "huge", "binary", "private-url", "not-a-url"],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(
    client, session, form, status, message
):
    response = client.post("/articles", data=form, content_type="multipart/form-data")

    assert response.status_code == status
    assert message in response.data
    assert article_count(session) == 0
    article_events = select(func.count()).where(AuditEvent.object_type == "article")
    assert session.exec(article_events).one() == 0


def test_a_url_to_loopback_is_refused_without_the_allow_list(
    stack, session, outlets, demo_text, make_user
):
    outlets.page("/story", f"<html><body><p>{demo_text}</p></body></html>")
    strict = create_app(
        replace(stack.settings, fetch_allow_hosts=frozenset()), {"WTF_CSRF_ENABLED": False}
    )
    make_user("rita")

    response = log_in(strict, "rita").post("/articles", data={"url": outlets.url("/story")})

    assert response.status_code == 422
    assert b"private or local address" in response.data
    assert outlets.requests == []
    assert article_count(session) == 0


def test_a_url_that_answers_404_is_reported(client, session, outlets):
    response = client.post("/articles", data={"url": outlets.url("/gone")})
    assert response.status_code == 422
    assert b"answered 404" in response.data
    assert article_count(session) == 0


def test_a_redirect_to_a_private_address_is_refused(client, session, outlets):
    outlets.redirect("/short", "http://169.254.169.254/latest/meta-data/")
    response = client.post("/articles", data={"url": outlets.url("/short")})
    assert response.status_code == 422
    assert b"169.254.169.254" in response.data
    assert article_count(session) == 0


def test_script_in_a_pasted_article_is_shown_as_text_never_run(client, session):
    hostile = (
        "The mayor said the bridge will reopen in May. <script>alert('xss')</script> "
        "Officials told Reuters the repairs cost $4 million. <img src=x onerror=alert(1)>"
    )
    split_now(session, hostile)
    article_id = session.exec(select(Article.id)).one()

    page = client.get(f"/articles/{article_id}").data + client.get("/queue").data

    assert b"<script>alert" not in page
    assert b"<img src=x" not in page


def test_the_article_page_highlights_every_claim_in_place(client, session, demo_text):
    article = split_now(session, demo_text)

    page = client.get(f"/articles/{article.id}").get_data(as_text=True)

    assert page.count('<mark class="claim') == len(article.claims) > 10
    for claim in article.claims:
        assert f'data-claim-id="{claim.id}"' in page


def test_the_status_widget_shows_cross_referencing_progress_while_it_runs(
    client, session, demo_text
):
    article = split_now(session, demo_text)
    for claim in article.claims[:5]:
        claim.crossref_state = CrossrefState.DONE
    session.commit()

    widget = client.get(
        f"/articles/{article.id}/status?was=splitting", headers={"HX-Request": "true"}
    )

    assert b'hx-trigger="every 1s"' in widget.data
    assert f"cross-referencing: <strong>5 of {len(article.claims)}</strong>".encode() in widget.data
    assert widget.headers["HX-Trigger"] == "article-settled"


def test_the_status_widget_stops_polling_once_everything_is_done(client, session, demo_text):
    article = split_now(session, demo_text)
    for claim in article.claims:
        claim.crossref_state = CrossrefState.DONE
    session.commit()

    widget = client.get(
        f"/articles/{article.id}/status?was=splitting", headers={"HX-Request": "true"}
    )

    assert b'hx-trigger="every 1s"' not in widget.data
    assert b"claims in the queue" in widget.data


def test_an_unknown_article_is_a_404_page(client):
    response = client.get("/articles/999999")
    assert response.status_code == 404
    assert b"There is no article 999999" in response.data


def test_the_queue_lists_pending_claims_with_speaker_and_outlets(client, session, demo_text):
    split_now(session, demo_text)

    page = client.get("/queue").get_data(as_text=True)

    assert "Jens Stoltenberg" in page
    assert "Al Jazeera" in page and "Reuters" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("outlet=Reuters", 3),
        ("outlet=Al+Jazeera", 2),
        ("speaker=stoltenberg", 3),
        ("q=symbolic", 2),
        ("status=verified", 0),
    ],
)
def test_queue_filters_narrow_the_claims(client, session, demo_text, query, expected):
    split_now(session, demo_text)

    response = client.get(f"/queue?{query}", headers={"HX-Request": "true"})

    assert response.get_data(as_text=True).count("<tr data-claim-id=") == expected
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("kind", list(ClaimKind))
def test_the_queue_filters_by_kind(client, session, demo_text, kind):
    article = split_now(session, demo_text)

    page = client.get(f"/queue?kind={kind.value}", headers={"HX-Request": "true"})

    rows = re.findall(r'<tr data-claim-id="(\d+)"', page.get_data(as_text=True))
    assert sorted(map(int, rows)) == sorted(c.id for c in article.claims if c.kind == kind)
    whole = client.get(f"/queue?kind={kind.value}").get_data(as_text=True)
    assert f'<option value="{kind.value}" selected>' in whole


def test_the_queue_lists_claims_in_the_order_reviewers_get_them(client, session, demo_text):
    first = split_now(session, demo_text)
    pinned = split_now(session, demo_text.replace("NATO", "The alliance"))
    pinned.pinned = True
    session.commit()
    in_order = sorted(pinned.claims, key=lambda c: (-c.checkworthiness, c.id)) + sorted(
        first.claims, key=lambda c: (-c.checkworthiness, c.id)
    )

    pages = [client.get(f"/queue?page={n}").get_data(as_text=True) for n in (1, 2)]

    listed = [int(i) for page in pages for i in re.findall(r'<tr data-claim-id="(\d+)"', page)]
    assert listed == [claim.id for claim in in_order]


def test_an_htmx_filter_request_gets_only_the_results(client, session, demo_text):
    split_now(session, demo_text)
    partial = client.get("/queue?outlet=Reuters", headers={"HX-Request": "true"}).data
    assert b'<section id="queue-results"' in partial
    assert b"<html" not in partial


def test_the_queue_pages_through_many_claims(client, session):
    sentences = " ".join(
        f"The council approved budget line {n} worth {n} million euros on Monday."
        for n in range(60)
    )
    split_now(session, sentences)

    first = client.get("/queue").get_data(as_text=True)
    third = client.get("/queue?page=3").get_data(as_text=True)

    assert "Page 1 of 3" in first and first.count("<tr data-claim-id=") == 25
    assert "Page 3 of 3" in third and third.count("<tr data-claim-id=") == 10


def test_queue_counts_claims_per_status(client, session, demo_text):
    article = split_now(session, demo_text)
    claim = session.exec(select(Claim).where(Claim.article_id == article.id)).first()
    claim.status = ClaimStatus.VERIFIED
    session.commit()

    page = client.get("/queue").get_data(as_text=True)

    assert f"Pending <strong>{len(article.claims) - 1}</strong>" in page
    assert "Verified <strong>1</strong>" in page


def test_the_empty_queue_says_what_to_do(client):
    assert b"The queue is empty" in client.get("/queue").data


def test_a_form_posted_without_its_csrf_token_is_refused(stack, session, demo_text, make_user):
    make_user("rita")
    protected = log_in(create_app(stack.settings), "rita")

    response = protected.post("/articles", data={"text": demo_text})

    assert response.status_code == 400
    assert b"Reload the page" in response.data
    assert article_count(session) == 0


def test_the_submit_form_carries_a_csrf_token(stack, session, make_user):
    make_user("rita")
    page = log_in(create_app(stack.settings), "rita").get("/").data
    assert b'name="csrf_token"' in page
    assert b"X-CSRFToken" in page


def test_queue_filters_swap_the_results_in_place_not_inside_themselves(client, session, demo_text):
    split_now(session, demo_text)
    page = client.get("/queue").get_data(as_text=True)
    assert 'hx-target="#queue-results" hx-swap="outerHTML"' in page


def test_a_history_restore_gets_the_whole_queue_page(client, session, demo_text):
    page = client.get(
        "/queue", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert b"<nav" in page.data


def test_later_polls_do_not_reload_the_article_text(client, session, demo_text):
    article = split_now(session, demo_text)
    widget = client.get(f"/articles/{article.id}/status?was=queued", headers={"HX-Request": "true"})
    assert "HX-Trigger" not in widget.headers
