"""Articles from the command line: submit them, list them, show one, split one again."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from sqlmodel import Session

from factcheck.articles.intake import Upload, read_submission, submit_article
from factcheck.articles.serialize import article_detail, list_articles
from factcheck.articles.splitting import reset_failed
from factcheck.cli.common import cli_settings, print_json
from factcheck.config import Settings
from factcheck.db import session_scope
from factcheck.errors import UserError
from factcheck.models import Article, ArticleState
from tasks.app import make_celery
from tasks.splitting import dispatch_split

SETTLED = (ArticleState.QUEUED, ArticleState.FAILED)


def _read_source(source: str, settings: Settings) -> tuple[str, str | None]:
    if source.startswith(("http://", "https://")):
        return read_submission(url=source, settings=settings)
    path = Path(source)
    if not path.is_file():
        raise UserError(f"{source} is neither a file nor an http(s) URL.")
    return read_submission(upload=Upload(path.name, path.read_bytes()), settings=settings)


def submit(settings: Settings, source: str) -> tuple[int, bool]:
    content, url = _read_source(source, settings)
    with session_scope(settings.database_url) as session:
        submission = submit_article(session, content=content, url=url, submitted_by="cli")
        article_id = submission.article.id
    if submission.created:
        dispatch_split(make_celery(settings), article_id)
    return article_id, submission.created


def _wait_until_settled(
    settings: Settings, article_ids: list[int], timeout: float
) -> dict[int, Article]:
    deadline = time.monotonic() + timeout
    settled: dict[int, Article] = {}
    with click.progressbar(length=len(article_ids), label="splitting", file=sys.stderr) as bar:
        while len(settled) < len(article_ids) and time.monotonic() < deadline:
            with session_scope(settings.database_url) as session:
                for article_id in set(article_ids) - settled.keys():
                    article = session.get(Article, article_id)
                    if article.state in SETTLED:
                        settled[article_id] = article
                        bar.update(1)
            time.sleep(0.1)
    return settled


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--wait", is_flag=True, help="Return when the claims are queued.")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds --wait waits at most.")
def ingest(sources: tuple[str, ...], wait: bool, timeout: float) -> None:
    """Submit article files or URLs; prints each article's id."""
    settings = cli_settings()
    article_ids = []
    for source in sources:
        try:
            article_id, created = submit(settings, source)
        except UserError as error:
            raise click.ClickException(f"{source}: {error}") from error
        article_ids.append(article_id)
        if not created:
            click.echo(f"{source}: already submitted as article {article_id}", err=True)
    if wait:
        settled = _wait_until_settled(settings, article_ids, timeout)
        failed = [a for a in settled.values() if a.state == ArticleState.FAILED]
        for article in failed:
            click.echo(f"article {article.id} failed: {article.error}", err=True)
        if len(settled) < len(article_ids):
            raise click.ClickException(f"not all articles were split within {timeout:g} s")
        if failed:
            sys.exit(1)
    for article_id in article_ids:
        click.echo(article_id)


@click.command("list")
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="text")
@click.option("--limit", default=50, show_default=True)
def list_command(output_format: str, limit: int) -> None:
    """List the articles, newest first, with their claims per status."""
    with session_scope(cli_settings().database_url) as session:
        articles = list_articles(session, limit=limit)
    if output_format == "json":
        print_json(articles)
        return
    for article in articles:
        counts = " ".join(f"{k}={v}" for k, v in article["claims"].items())
        click.echo(f"{article['id']:>6}  {article['state']:<9}  {counts}  {article['title'] or ''}")


def _article(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise click.ClickException(f"there is no article {article_id}")
    return article


@click.command()
@click.argument("article_id", type=int)
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="text")
def show(article_id: int, output_format: str) -> None:
    """Show an article with its claims."""
    with session_scope(cli_settings().database_url) as session:
        detail = article_detail(session, _article(session, article_id))
    if output_format == "json":
        print_json(detail)
        return
    click.echo(f"{detail['title'] or '(no title)'} [{detail['state']}]")
    if detail["error"]:
        click.echo(f"error: {detail['error']}")
    for claim in detail["claim_list"]:
        outlets = f" [{', '.join(claim['cited_outlets'])}]" if claim["cited_outlets"] else ""
        click.echo(f"{claim['id']:>6} {claim['status']:<9} {claim['text']}")
        click.echo(f"       {claim['speaker'] or '—'}{outlets}")


@click.command()
@click.argument("article_id", type=int)
def retry(article_id: int) -> None:
    """Split a failed article again."""
    settings = cli_settings()
    try:
        with session_scope(settings.database_url) as session:
            reset_failed(session, article_id, actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from error
    dispatch_split(make_celery(settings), article_id)
    click.echo(f"article {article_id} sent to be split again")
