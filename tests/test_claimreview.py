"""ClaimReview export: the JSON-LD of a decided claim, the public page read by a real
structured-data consumer (extruct), the editors' publish switches, and the CLI export."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import extruct
import pytest
from sqlmodel import Session, col, select

from factcheck.config import ConfigError, load_settings
from factcheck.crossref import MENTIONS, QUOTE_FOUND
from factcheck.errors import Conflict
from factcheck.models import (
    Article,
    AuditEvent,
    Claim,
    ClaimStatus,
    CrossReference,
    Role,
    User,
    aware,
)
from factcheck.publish.claimreview import (
    Newsroom,
    claim_review,
    is_published,
    published_claims,
    set_claim_published,
)
from factcheck.review.rules import decide
from factcheck.web.public import NOT_PUBLISHED
from tests.helpers import split_now
from tests.test_cli import run_cli

HTMX = {"HX-Request": "true"}
ARTICLE_URL = "https://news.example/nato-joins-coalition"
FOUND_URL = "https://www.aljazeera.com/news/nato-coalition"
NEWSROOM = Newsroom("Example Checks", "https://checks.example", "https://checks.example/about")
# Google's required and recommended ClaimReview properties (developers.google.com/search/
# docs/appearance/structured-data/factcheck).
REQUIRED = ("claimReviewed", "reviewRating", "url", "author", "itemReviewed", "datePublished")
RATING_FIELDS = ("ratingValue", "bestRating", "worstRating", "alternateName")


@pytest.fixture
def reviewer(make_user) -> User:
    return make_user("rosa", Role.REVIEWER)


@pytest.fixture
def editor(make_user) -> User:
    return make_user("edna", Role.EDITOR)


@pytest.fixture
def article(session: Session, demo_text: str) -> Article:
    article = split_now(session, demo_text)
    article.url, article.publisher = ARTICLE_URL, "Memo"
    article.published_at = datetime(2017, 5, 25, 9, 0, tzinfo=UTC)
    session.add(article)
    session.commit()
    return article


def spoken(article: Article) -> list[Claim]:
    return [claim for claim in article.claims if claim.speaker]


def decided(
    session: Session,
    claim: Claim,
    reviewer: User,
    status: ClaimStatus = ClaimStatus.VERIFIED,
    *,
    now: datetime | None = None,
) -> Claim:
    decide(
        session,
        user=reviewer,
        claim_id=claim.id,
        status=status,
        seen_version=claim.version,
        now=now or datetime.now(UTC),
        note="" if status == ClaimStatus.VERIFIED else "No outlet printed this.",
        evidence_urls=["https://www.nato.int/cps/en/natohq/news_144098.htm"],
    )
    session.commit()
    session.refresh(claim)
    return claim


def published(session: Session, claim: Claim) -> Claim:
    claim.published = True
    session.add(claim)
    session.commit()
    return claim


def add_crossref(session: Session, claim: Claim, url: str, hint: str) -> None:
    session.add(
        CrossReference(claim_id=claim.id, outlet="Al Jazeera", url=url, source="feed", hint=hint)
    )
    session.commit()


def assert_google_properties(review: dict) -> None:
    assert review["@type"] == "ClaimReview"
    for name in REQUIRED:
        assert review.get(name), f"{name} is missing"
    for name in RATING_FIELDS:
        assert review["reviewRating"].get(name) is not None, f"reviewRating.{name} is missing"
    assert review["author"]["name"]
    assert review["itemReviewed"]["@type"] == "Claim"
    assert review["itemReviewed"]["author"]["name"]
    assert review["itemReviewed"]["appearance"][0]["url"]


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        ).all()
    )


def json_ld(page: str) -> list[dict]:
    return extruct.extract(page, base_url="http://localhost/", syntaxes=["json-ld"])["json-ld"]


# The review as data


def test_a_decided_claim_has_every_property_google_requires(session, article, reviewer):
    claim = decided(session, spoken(article)[0], reviewer)
    add_crossref(session, claim, FOUND_URL, QUOTE_FOUND)
    add_crossref(session, claim, "https://www.aljazeera.com/other", MENTIONS)

    review = claim_review(
        claim=claim,
        article=article,
        newsroom=NEWSROOM,
        url="https://checks.example/claims/1/review",
        outlet_urls=[FOUND_URL],
    )

    assert_google_properties(review)
    assert review["claimReviewed"] == claim.text
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 3,
        "bestRating": 3,
        "worstRating": 1,
        "alternateName": "Verified",
    }
    assert review["itemReviewed"]["author"] == {"@type": "Person", "name": claim.speaker}
    assert [page["url"] for page in review["itemReviewed"]["appearance"]] == [
        ARTICLE_URL,
        FOUND_URL,
    ]
    assert review["author"] == {
        "@type": "Organization",
        "name": "Example Checks",
        "url": "https://checks.example",
    }
    assert review["publishingPrinciples"] == "https://checks.example/about"
    assert datetime.fromisoformat(review["datePublished"]) == aware(claim.decided_at)


@pytest.mark.parametrize(
    ("status", "value", "name"),
    [
        (ClaimStatus.VERIFIED, 3, "Verified"),
        (ClaimStatus.UNSOURCED, 2, "Unsourced"),
        (ClaimStatus.DISPUTED, 1, "Disputed"),
    ],
)
def test_each_verdict_has_its_place_on_the_published_scale(
    session, article, reviewer, status, value, name
):
    claim = decided(session, spoken(article)[0], reviewer, status)

    review = claim_review(claim=claim, article=article, newsroom=NEWSROOM, url="https://x.example/")

    rating = review["reviewRating"]
    assert (rating["ratingValue"], rating["alternateName"]) == (value, name)
    assert (rating["bestRating"], rating["worstRating"]) == (3, 1)
    assert rating.get("ratingExplanation") == claim.note


def test_a_pending_claim_has_no_review(session, article):
    with pytest.raises(ValueError, match="pending"):
        claim_review(claim=article.claims[0], article=article, newsroom=NEWSROOM, url="u")


def test_published_means_decided_and_switched_on_for_the_claim_or_its_article(
    session, article, reviewer
):
    first, second, pending = spoken(article)[:3]
    decided(session, first, reviewer)
    decided(session, second, reviewer)

    assert not any(is_published(c, article) for c in (first, second, pending))
    published(session, first)
    assert [is_published(c, article) for c in (first, second, pending)] == [True, False, False]
    article.published = True
    assert [is_published(c, article) for c in (first, second, pending)] == [True, True, False]


def test_the_export_walks_every_published_claim_in_batches(session, article, reviewer):
    claims = spoken(article)[:5]
    for claim in claims:
        published(session, decided(session, claim, reviewer))

    walked = [item.claim.id for item in published_claims(session, batch_size=2)]

    assert walked == sorted(c.id for c in claims)


# The public page


def test_the_public_page_holds_one_claimreview_that_extruct_reads(app, session, article, reviewer):
    claim = published(session, decided(session, spoken(article)[0], reviewer))
    add_crossref(session, claim, FOUND_URL, QUOTE_FOUND)

    response = app.test_client().get(f"/claims/{claim.id}/review")  # nobody logged in

    assert response.status_code == 200
    found = [item for item in json_ld(response.get_data(as_text=True)) if item]
    assert len(found) == 1
    review = found[0]
    assert_google_properties(review)
    assert review["@context"].rstrip("/") in ("https://schema.org", "http://schema.org")
    assert review["url"] == f"http://localhost/claims/{claim.id}/review"
    assert review["publishingPrinciples"] == "http://localhost/about/ratings"
    assert review["claimReviewed"] == claim.text
    assert FOUND_URL in [page["url"] for page in review["itemReviewed"]["appearance"]]
    # Readers get no session cookie: the page is the same for everyone.
    assert "Set-Cookie" not in response.headers


def test_the_public_page_reads_for_people_too(app, session, article, reviewer):
    claim = published(session, decided(session, spoken(article)[0], reviewer, ClaimStatus.DISPUTED))

    page = app.test_client().get(f"/claims/{claim.id}/review").get_data(as_text=True)

    for shown in (claim.speaker, "Disputed", "No outlet printed this.", "news_144098", ARTICLE_URL):
        assert shown in page
    assert 'href="/about/ratings"' in page


def test_the_ratings_page_explains_the_scale_without_a_login(app, clean_database):
    page = app.test_client().get("/about/ratings")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for shown in ("Verified", "Unsourced", "Disputed", "3 of 3", "1 of 3"):
        assert shown in text


def test_pending_unpublished_and_missing_claims_are_the_same_404(app, session, article, reviewer):
    pending = published(session, spoken(article)[0])  # switched on, but not decided
    unpublished = decided(session, spoken(article)[1], reviewer)
    anonymous = app.test_client()

    for claim_id in (pending.id, unpublished.id, 999_999):
        response = anonymous.get(f"/claims/{claim_id}/review")
        assert response.status_code == 404
        assert NOT_PUBLISHED in response.get_data(as_text=True)


def test_a_published_article_publishes_its_decided_claims(app, session, article, reviewer):
    claim = decided(session, spoken(article)[0], reviewer)
    article.published = True
    session.add(article)
    session.commit()

    assert app.test_client().get(f"/claims/{claim.id}/review").status_code == 200


def test_claim_text_cannot_break_out_of_the_json_ld_script(app, session, article, reviewer):
    hostile = 'He said </script><script>alert(1)</script> & <!-- "quoted" \u2028'
    claim = spoken(article)[0]
    claim.text = hostile
    session.add(claim)
    session.commit()
    claim = published(session, decided(session, claim, reviewer))

    page = app.test_client().get(f"/claims/{claim.id}/review").get_data(as_text=True)

    assert "<script>alert(1)" not in page
    assert page.count("<script") == 1
    assert [item["claimReviewed"] for item in json_ld(page) if item] == [hostile]


# The publish switches


def test_a_reviewer_cannot_publish(client, session, article, reviewer):
    claim = decided(session, spoken(article)[0], reviewer)
    assert b"Publish this review" not in client.get(f"/claims/{claim.id}").data

    for url in (f"/claims/{claim.id}/publish", f"/articles/{article.id}/publish"):
        assert client.post(url, data={"published": "1"}).status_code == 403
    session.refresh(claim)
    session.refresh(article)
    assert not claim.published and not article.published
    assert events(session, "claim.publish") == events(session, "article.publish") == []


def test_an_editor_publishes_a_claim_and_it_is_audited(editor_client, session, article, reviewer):
    claim = decided(session, spoken(article)[0], reviewer)
    assert b"Publish this review" in editor_client.get(f"/claims/{claim.id}").data

    response = editor_client.post(f"/claims/{claim.id}/publish", data={"published": "1"})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/claims/{claim.id}"
    session.refresh(claim)
    assert claim.published and claim.version == 2  # the review itself did not change
    [event] = events(session, "claim.publish")
    assert (event.actor, event.object_id) == ("eddie", str(claim.id))
    assert (event.before, event.after) == ({"published": False}, {"published": True})

    again = editor_client.post(f"/claims/{claim.id}/publish", data={"published": "1"})
    assert again.status_code == 303
    assert len(events(session, "claim.publish")) == 1  # nothing changed, nothing recorded


def test_an_editor_publishes_an_article_in_place_with_htmx(
    editor_client, session, article, reviewer
):
    claim = decided(session, spoken(article)[0], reviewer)
    assert (
        b"Publish the reviews of all decided claims"
        in editor_client.get(f"/articles/{article.id}").data
    )

    response = editor_client.post(
        f"/articles/{article.id}/publish", data={"published": "1"}, headers=HTMX
    )

    assert response.status_code == 200
    assert b"<html" not in response.data
    assert b"Unpublish the article&#39;s reviews" in response.data
    assert "HX-Request" in response.headers["Vary"]
    session.refresh(article)
    assert article.published
    assert [e.actor for e in events(session, "article.publish")] == ["eddie"]
    page = editor_client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "published with its article" in page

    editor_client.post(f"/articles/{article.id}/publish", data={"published": "0"})
    session.refresh(article)
    assert not article.published
    assert len(events(session, "article.unpublish")) == 1


def test_a_pending_claim_cannot_be_published(editor_client, session, article, editor):
    claim = article.claims[0]

    response = editor_client.post(
        f"/claims/{claim.id}/publish", data={"published": "1"}, headers=HTMX
    )

    assert response.status_code == 409
    assert b"pending" in response.data and b"<html" not in response.data
    with pytest.raises(Conflict):
        set_claim_published(session, user=editor, claim_id=claim.id, published=True)
    session.rollback()
    session.refresh(claim)
    assert not claim.published


# The bulk export


def test_the_cli_exports_only_published_decided_claims_since_the_date(
    stack, session, article, reviewer, demo_text, tmp_path
):
    first, second, old, unpublished, pending = spoken(article)[:5]
    published(session, decided(session, first, reviewer))
    published(session, decided(session, second, reviewer, ClaimStatus.DISPUTED))
    published(session, decided(session, old, reviewer, now=datetime(2020, 1, 1, tzinfo=UTC)))
    decided(session, unpublished, reviewer)
    published(session, pending)
    output = tmp_path / "reviews.jsonl"

    public = replace(stack, env={**stack.env, "FACTCHECK_PUBLIC_URL": "https://checks.example/fc"})

    code, said = run_cli(
        public, "export", "claimreview", "--since", "2024-01-01", "-o", str(output)
    )

    assert code == 0, said
    assert "exported 2 ClaimReviews" in said
    lines = output.read_text(encoding="utf-8").splitlines()
    reviews = [json.loads(line) for line in lines]
    assert [r["claimReviewed"] for r in reviews] == [first.text, second.text]
    assert [r["reviewRating"]["alternateName"] for r in reviews] == ["Verified", "Disputed"]
    assert reviews[0]["url"] == f"https://checks.example/fc/claims/{first.id}/review"
    assert reviews[0]["author"]["url"] == "https://checks.example/fc"
    for review in reviews:
        assert_google_properties(review)

    code, everything = run_cli(stack, "export", "claimreview", "-o", str(output))
    assert code == 0 and "exported 3 ClaimReviews" in everything


def test_a_public_url_that_is_no_web_address_is_refused(tmp_path):
    env = {"FACTCHECK_INSTANCE_DIR": str(tmp_path), "FACTCHECK_PUBLIC_URL": "checks.example"}
    with pytest.raises(ConfigError, match="FACTCHECK_PUBLIC_URL"):
        load_settings(env)
