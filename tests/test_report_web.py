"""The verification report as editors get it: the page, the PDF, the JSON API and the
`factcheck report` command."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlmodel import Session

from factcheck.accounts.users import create_token
from factcheck.cli import main
from factcheck.crossref.align import QUOTE_DIFFERS
from factcheck.db import session_scope
from factcheck.models import Article, Claim, ClaimStatus, Role, User
from tests.harness import Stack
from tests.helpers import REUTERS_URL, add_evidence, add_outcome, give_verdict, split_now


def reuters_claims(article: Article) -> list[Claim]:
    return sorted(
        (c for c in article.claims if "Reuters" in {o.name for o in c.outlets}),
        key=lambda claim: claim.position,
    )


@pytest.fixture
def reviewed_demo(session: Session, demo_text: str, make_user: Callable[..., User]) -> Article:
    """The demo article with one claim disputed (its quote differs from Reuters') and the
    rest pending."""
    article = split_now(session, demo_text)
    claim = reuters_claims(article)[0]
    add_evidence(session, claim, "Reuters", REUTERS_URL, QUOTE_DIFFERS)
    give_verdict(
        session, make_user("rosa"), claim, ClaimStatus.DISPUTED, "Reuters printed it otherwise."
    )
    return article


def text_of_pdf(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def test_the_report_page_shows_figures_verdicts_evidence_and_what_is_still_pending(
    editor_client: FlaskClient, reviewed_demo: Article
) -> None:
    page = editor_client.get(f"/articles/{reviewed_demo.id}/report")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    pending = len(reviewed_demo.claims) - 1
    assert f"Not finished: {pending} of {len(reviewed_demo.claims)} claims still pending" in html
    assert "Marked <strong>disputed</strong> by rosa" in html
    assert "Reuters printed it otherwise." in html
    assert REUTERS_URL in html
    assert "quote differs" in html
    assert html.count("Not yet reviewed.") == pending
    assert 'role="progressbar"' in html


def test_the_report_page_counts_outlets_that_could_not_be_checked_apart_from_not_found(
    editor_client: FlaskClient, session: Session, reviewed_demo: Article
) -> None:
    unchecked = reuters_claims(reviewed_demo)[1]
    timeout = {"url": "https://r.example/feed", "kind": "timeout", "message": "too slow"}
    add_outcome(session, unchecked, "Reuters", "could_not_check", [timeout])

    html = editor_client.get(f"/articles/{reviewed_demo.id}/report").get_data(as_text=True)

    assert '<th scope="col">Could not check</th>' in html
    assert '<td class="warn">1</td>' in html
    assert '<li class="outcome outcome-could-not-check"><strong>Reuters</strong>' in html
    assert "Reuters: could_not_check" in html


def test_the_article_page_links_editors_to_its_report(
    editor_client: FlaskClient, reviewed_demo: Article
) -> None:
    page = editor_client.get(f"/articles/{reviewed_demo.id}").get_data(as_text=True)
    assert f'href="/articles/{reviewed_demo.id}/report"' in page


def test_reviewers_cannot_read_reports_and_strangers_are_sent_to_log_in(
    app: Flask, client: FlaskClient, reviewed_demo: Article
) -> None:
    for url in (f"/articles/{reviewed_demo.id}/report", f"/articles/{reviewed_demo.id}/report.pdf"):
        assert client.get(url).status_code == 403
        assert app.test_client().get(url).status_code == 302


def test_a_missing_article_has_no_report(editor_client: FlaskClient) -> None:
    page = editor_client.get("/articles/424242/report")
    assert page.status_code == 404
    assert "There is no article 424242." in page.get_data(as_text=True)


def test_claim_text_and_notes_are_escaped_in_the_report(
    editor_client: FlaskClient, reviewed_demo: Article, session: Session
) -> None:
    claim = reuters_claims(reviewed_demo)[0]
    claim.text = "<script>alert(1)</script> NATO will join."
    claim.note = '<img src=x onerror="alert(2)">'
    session.add(claim)
    session.commit()

    html = editor_client.get(f"/articles/{reviewed_demo.id}/report").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_the_pdf_holds_the_report_text(editor_client: FlaskClient, reviewed_demo: Article) -> None:
    response = editor_client.get(f"/articles/{reviewed_demo.id}/report.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = text_of_pdf(response.data)
    assert "Verification report" in text
    assert "NATO to join the fight against Daesh" in text
    assert "Not finished" in text
    assert "Reuters printed it otherwise." in text


def test_an_editor_reopens_a_verdict_from_the_report_and_comes_back_to_it(
    app: Flask, editor_client: FlaskClient, reviewed_demo: Article, session: Session
) -> None:
    claim = reuters_claims(reviewed_demo)[0]
    report_page = editor_client.get(f"/articles/{reviewed_demo.id}/report").get_data(as_text=True)
    assert f'id="reason-{claim.id}"' in report_page
    token = report_page.split('name="csrf_token" value="')[1].split('"')[0]

    response = editor_client.post(
        f"/claims/{claim.id}/reopen",
        data={
            "csrf_token": token,
            "reason": "Reuters corrected its story.",
            "next": f"/articles/{reviewed_demo.id}/report#claim-{claim.id}",
        },
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/articles/{reviewed_demo.id}/report#claim-{claim.id}"
    session.refresh(claim)
    assert claim.status == ClaimStatus.PENDING
    html = editor_client.get(f"/articles/{reviewed_demo.id}/report").get_data(as_text=True)
    assert "reopened" in html and "Reuters corrected its story." in html


@pytest.fixture
def editor_api(app: Flask, stack: Stack, make_user: Callable[..., User]) -> FlaskClient:
    make_user("desk", Role.EDITOR)
    with session_scope(stack.settings.database_url) as db:
        token = create_token(db, username="desk", name="tests", actor="test").token
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_the_api_gives_the_report_as_json(editor_api: FlaskClient, reviewed_demo: Article) -> None:
    response = editor_api.get(f"/api/articles/{reviewed_demo.id}/report")

    assert response.status_code == 200
    data = response.get_json()
    assert data["article_id"] == reviewed_demo.id
    assert data["figures"]["by_status"]["disputed"] == 1
    assert data["figures"]["complete"] is False
    assert data["figures"]["quote_differs"] == 1
    assert [c["position"] for c in data["claims"]] == sorted(c["position"] for c in data["claims"])


def test_the_api_refuses_the_report_to_a_reviewers_token(
    app: Flask, api_headers: dict[str, str], reviewed_demo: Article
) -> None:
    response = app.test_client().get(
        f"/api/articles/{reviewed_demo.id}/report", headers=api_headers
    )
    assert response.status_code == 403


@pytest.mark.parametrize("output_format", ["json", "html", "pdf"])
def test_the_report_command_writes_each_format(
    stack: Stack, reviewed_demo: Article, tmp_path, output_format: str
) -> None:
    output = tmp_path / f"report.{output_format}"

    result = CliRunner().invoke(
        main,
        ["report", str(reviewed_demo.id), "--format", output_format, "-o", str(output)],
        env=stack.env,
        catch_exceptions=False,
    )

    assert result.exit_code == 0, result.output
    if output_format == "json":
        assert json.loads(output.read_text())["figures"]["by_status"]["disputed"] == 1
    elif output_format == "html":
        html = output.read_text()
        assert html.startswith("<!doctype html>")
        assert "<style>" in html and "Reuters printed it otherwise." in html
        assert "<form" not in html
    else:
        assert "Reuters printed it otherwise." in text_of_pdf(output.read_bytes())


def test_the_report_command_names_a_missing_article(stack: Stack, clean_database, tmp_path) -> None:
    result = CliRunner().invoke(
        main, ["report", "999", "-o", str(tmp_path / "r.json")], env=stack.env
    )
    assert result.exit_code == 1
    assert "There is no article 999." in result.output


def test_the_report_pages_json_link_works_in_the_editors_browser_session(
    editor_client: FlaskClient, reviewed_demo: Article
) -> None:
    page = editor_client.get(f"/articles/{reviewed_demo.id}/report").get_data(as_text=True)
    link = page.split(">JSON</a>")[0].rsplit('href="', 1)[1].split('"')[0]

    response = editor_client.get(link)

    assert response.status_code == 200
    assert response.get_json()["article_id"] == reviewed_demo.id
