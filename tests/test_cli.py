"""The command line: extract without a database, ingest with --wait, list, show, retry."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlmodel import select

from factcheck.articles.splitting import fail_split, start_split
from factcheck.cli import main
from factcheck.models import Article, ArticleState
from tests.conftest import DEMO_PATH
from tests.harness import REPO_ROOT, Stack


def run_cli(stack: Stack, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=stack.env, catch_exceptions=False)
    return result.exit_code, result.output


def test_extract_prints_the_stable_json_format_without_a_database(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "FACTCHECK_INSTANCE_DIR": str(tmp_path / "never")}
    run = subprocess.run(
        [sys.executable, "-m", "factcheck.cli", "extract", str(DEMO_PATH), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        check=True,
    )
    result = json.loads(run.stdout)

    assert set(result) == {"title", "published", "credited_outlets", "claims"}
    assert result["title"] == "NATO to join the fight against Daesh"
    assert set(result["claims"][0]) == {
        "text",
        "start",
        "end",
        "speaker",
        "cited_outlets",
        "kind",
        "checkworthiness",
    }
    assert not (tmp_path / "never").exists()


def test_extract_reads_standard_input():
    result = CliRunner().invoke(main, ["extract", "-"], input=DEMO_PATH.read_text())
    assert json.loads(result.output)["claims"]


@pytest.mark.worker
def test_ingest_wait_returns_the_article_id_once_its_claims_are_queued(
    stack, worker, clean_database
):
    code, output = run_cli(stack, "ingest", str(DEMO_PATH), "--wait", "--timeout", "60")

    assert code == 0, output
    article_id = int(output.strip().splitlines()[-1])
    code, shown = run_cli(stack, "show", str(article_id), "--format", "json")
    detail = json.loads(shown)
    assert detail["state"] == "queued"
    assert detail["claims"]["pending"] == len(detail["claim_list"]) >= 15


def test_ingest_refuses_a_missing_file_with_a_message(stack, clean_database):
    result = CliRunner().invoke(main, ["ingest", "/nonexistent/article.txt"], env=stack.env)
    assert result.exit_code == 1
    assert "neither a file nor an http(s) URL" in result.output


def test_list_shows_articles_with_claim_counts(stack, session, demo_text):
    from tests.helpers import split_now

    article = split_now(session, demo_text)

    code, output = run_cli(stack, "list", "--format", "json")

    assert code == 0
    listed = json.loads(output)
    assert [a["id"] for a in listed] == [article.id]
    assert listed[0]["claims"]["pending"] == len(article.claims)


def test_retry_puts_a_failed_article_back_to_received(stack, session, demo_text):
    from factcheck.articles.intake import submit_article

    article = submit_article(session, content=demo_text, submitted_by="t").article
    session.commit()
    start_split(session, article.id)
    fail_split(session, article.id, "RuntimeError: boom")
    session.commit()

    code, output = run_cli(stack, "retry", str(article.id))

    assert code == 0, output
    session.expire_all()
    # A running worker may already have taken it up again.
    assert session.exec(select(Article.state)).one() != ArticleState.FAILED
    assert "sent to be split again" in output


def test_retry_of_an_article_that_did_not_fail_is_refused(stack, session, demo_text):
    from factcheck.articles.intake import submit_article

    article = submit_article(session, content=demo_text, submitted_by="t").article
    session.commit()

    result = CliRunner().invoke(main, ["retry", str(article.id)], env=stack.env)

    assert result.exit_code == 1
    assert "only a failed split can be retried" in result.output


def test_users_are_added_listed_promoted_disabled_and_enabled(stack, clean_database):
    code, output = run_cli_input(
        stack,
        "a long enough password\n",
        "users",
        "add",
        "nina",
        "--role",
        "editor",
        "--password-stdin",
    )
    assert code == 0, output
    assert "added nina (editor)" in output

    assert run_cli(stack, "users", "set-role", "nina", "admin")[1].strip() == "nina is now admin"
    assert run_cli(stack, "users", "disable", "nina")[1].strip() == "nina is disabled"
    listed = run_cli(stack, "users", "list")[1]
    assert "nina" in listed and "admin" in listed and "(disabled)" in listed
    assert run_cli(stack, "users", "enable", "nina")[1].strip() == "nina is enabled"
    assert "(disabled)" not in run_cli(stack, "users", "list")[1]


def test_a_short_password_is_refused(stack, clean_database):
    code, output = run_cli_input(stack, "short\n", "users", "add", "nina", "--password-stdin")
    assert code == 1
    assert "at least 10 characters" in output


def test_a_token_is_printed_once_and_works_on_the_api(stack, clean_database, make_user):
    from factcheck.web import create_app

    make_user("bot")
    code, output = run_cli(stack, "tokens", "create", "bot", "--name", "ci")
    token = output.strip()

    assert code == 0 and token.startswith("fct_")
    client = create_app(stack.settings).test_client()
    response = client.get("/api/articles", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def run_cli_input(stack: Stack, stdin: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=stack.env, input=stdin)
    return result.exit_code, result.output
