"""The `factcheck` command line."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from sqlmodel import Session, select

from factcheck.config import DEFAULT_PUBLIC_URL, Settings, load_settings
from factcheck.db import session_scope
from factcheck.errors import UserError
from factcheck.models import Article, ArticleState, Role

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_ARTICLE = REPO_ROOT / "tests" / "fixtures" / "articles" / "memo-nato-daesh-2017.txt"
SETTLED = (ArticleState.QUEUED, ArticleState.FAILED)


def _settings() -> Settings:
    try:
        return load_settings()
    except ValueError as error:
        raise click.ClickException(str(error)) from error


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group()
@click.version_option(package_name="factcheck")
def main() -> None:
    """factcheck: split news articles into claims and review them."""


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from factcheck.migrate import upgrade_database

    upgrade_database(_settings().database_url)
    click.echo("database is at the newest schema")


@main.command()
@click.argument("source")
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="json")
def extract(source: str, output_format: str) -> None:
    """Print the claims of an article file (or - for standard input). No database."""
    from factcheck.extract import extract as extract_claims
    from factcheck.outlets.registry import load_registry

    settings_file = os.environ.get("FACTCHECK_OUTLETS_FILE")
    content = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    result = extract_claims(
        content, registry=load_registry(Path(settings_file) if settings_file else None)
    )
    if output_format == "json":
        _print_json(result.as_dict())
        return
    click.echo(f"{result.title or '(no title)'} · {len(result.claims)} claims")
    for claim in result.claims:
        outlets = f" [{', '.join(claim.cited_outlets)}]" if claim.cited_outlets else ""
        click.echo(f"- {claim.text}\n    {claim.speaker or '—'}{outlets} · {claim.kind}")


def _read_source(source: str, settings: Settings) -> tuple[str, str | None]:
    from factcheck.articles.intake import Upload, read_submission

    if source.startswith(("http://", "https://")):
        return read_submission(url=source, settings=settings)
    path = Path(source)
    if not path.is_file():
        raise UserError(f"{source} is neither a file nor an http(s) URL.")
    return read_submission(upload=Upload(path.name, path.read_bytes()), settings=settings)


def _submit(settings: Settings, source: str) -> tuple[int, bool]:
    from factcheck.articles.intake import submit_article
    from tasks.app import make_celery
    from tasks.splitting import dispatch_split

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


@main.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--wait", is_flag=True, help="Return when the claims are queued.")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds --wait waits at most.")
def ingest(sources: tuple[str, ...], wait: bool, timeout: float) -> None:
    """Submit article files or URLs; prints each article's id."""
    settings = _settings()
    article_ids = []
    for source in sources:
        try:
            article_id, created = _submit(settings, source)
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


@main.command("list")
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="text")
@click.option("--limit", default=50, show_default=True)
def list_command(output_format: str, limit: int) -> None:
    """List the articles, newest first, with their claims per status."""
    from factcheck.articles.serialize import list_articles

    with session_scope(_settings().database_url) as session:
        articles = list_articles(session, limit=limit)
    if output_format == "json":
        _print_json(articles)
        return
    for article in articles:
        counts = " ".join(f"{k}={v}" for k, v in article["claims"].items())
        click.echo(f"{article['id']:>6}  {article['state']:<9}  {counts}  {article['title'] or ''}")


def _article(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise click.ClickException(f"there is no article {article_id}")
    return article


@main.command()
@click.argument("article_id", type=int)
@click.option("--format", "output_format", type=click.Choice(["json", "text"]), default="text")
def show(article_id: int, output_format: str) -> None:
    """Show an article with its claims."""
    from factcheck.articles.serialize import article_detail

    with session_scope(_settings().database_url) as session:
        detail = article_detail(session, _article(session, article_id))
    if output_format == "json":
        _print_json(detail)
        return
    click.echo(f"{detail['title'] or '(no title)'} [{detail['state']}]")
    if detail["error"]:
        click.echo(f"error: {detail['error']}")
    for claim in detail["claim_list"]:
        outlets = f" [{', '.join(claim['cited_outlets'])}]" if claim["cited_outlets"] else ""
        click.echo(f"{claim['id']:>6} {claim['status']:<9} {claim['text']}")
        click.echo(f"       {claim['speaker'] or '—'}{outlets}")


@main.command()
@click.argument("article_id", type=int)
@click.option(
    "--format", "output_format", type=click.Choice(["json", "pdf", "html"]), default="json"
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def report(article_id: int, output_format: str, output: str) -> None:
    """Write the verification report of ARTICLE_ID as JSON, PDF or a standalone HTML file."""
    from factcheck.reports.verification import build_report, report_as_json

    settings = _settings()
    with session_scope(settings.database_url) as session:
        try:
            article_report = build_report(session, article_id=article_id, now=datetime.now(UTC))
        except UserError as error:
            raise click.ClickException(str(error)) from error
    if output_format == "json":
        content: str | bytes = json.dumps(report_as_json(article_report), indent=2)
    else:
        content = _render_report(settings, article_report, output_format)
    if isinstance(content, bytes):
        Path(output).write_bytes(content)
    else:
        Path(output).write_text(content, encoding="utf-8")
    click.echo(f"wrote the report of article {article_id} to {output}")


def _render_report(settings: Settings, article_report: Any, output_format: str) -> str | bytes:
    # The templates make links with url_for: a request context on the public address.
    from factcheck.web import create_app
    from factcheck.web.reports import report_document, report_pdf

    app = create_app(settings)
    with app.test_request_context("/", base_url=settings.public_url or DEFAULT_PUBLIC_URL):
        if output_format == "pdf":
            return report_pdf(article_report)
        return report_document(article_report)


@main.command()
@click.argument("article_id", type=int)
@click.option("--wait", is_flag=True, help="Wait until every claim's gathering is over.")
@click.option("--timeout", type=float, default=600.0, show_default=True)
def crossref(article_id: int, wait: bool, timeout: float) -> None:
    """Gather the cross-references of ARTICLE_ID's claims again (pages fetched before are
    asked for only if they changed)."""
    from factcheck.crossref.store import regather_article
    from tasks.app import make_celery
    from tasks.crossrefs import dispatch_gathering

    settings = _settings()
    if not settings.crossref_enabled:
        raise click.ClickException("Cross-referencing is turned off (FACTCHECK_CROSSREF=0).")
    try:
        with session_scope(settings.database_url) as session:
            claim_ids = regather_article(session, article_id=article_id, actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from error
    dispatch_gathering(make_celery(settings), claim_ids)
    click.echo(f"article {article_id}: {len(claim_ids)} claims sent to be cross-referenced")
    if not wait:
        return
    settled = _wait_for_gathering(settings, claim_ids, timeout)
    failed = sum(state.value == "failed" for state in settled.values())
    click.echo(f"{len(settled) - failed} gathered, {failed} failed")
    if len(settled) < len(claim_ids):
        raise click.ClickException(f"not every claim was gathered within {timeout:g} s")
    if failed:
        sys.exit(1)


def _wait_for_gathering(settings: Settings, claim_ids: list[int], timeout: float) -> dict:
    """Poll until every claim's gathering is over, or `timeout`; the claims settled."""
    from factcheck.crossref.store import gathering_settled

    deadline = time.monotonic() + timeout
    settled: dict = {}
    bar = click.progressbar(length=len(claim_ids), label="cross-referencing", file=sys.stderr)
    with bar:
        while len(settled) < len(claim_ids) and time.monotonic() < deadline:
            with session_scope(settings.database_url) as session:
                now_settled = gathering_settled(session, claim_ids)
            bar.update(len(now_settled) - len(settled))
            settled = now_settled
            time.sleep(0.2)
    return settled


@main.command()
@click.argument("article_id", type=int)
def retry(article_id: int) -> None:
    """Split a failed article again."""
    from factcheck.articles.splitting import reset_failed
    from tasks.app import make_celery
    from tasks.splitting import dispatch_split

    settings = _settings()
    try:
        with session_scope(settings.database_url) as session:
            reset_failed(session, article_id, actor="cli")
    except UserError as error:
        raise click.ClickException(str(error)) from error
    dispatch_split(make_celery(settings), article_id)
    click.echo(f"article {article_id} sent to be split again")


@main.group()
def users() -> None:
    """Manage user accounts."""


ROLE_CHOICE = click.Choice([role.value for role in Role])


def _account_change(action: Callable[[Session], str]) -> None:
    try:
        with session_scope(_settings().database_url) as session:
            message = action(session)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    click.echo(message)


@users.command("add")
@click.argument("username")
@click.option("--role", type=ROLE_CHOICE, default=Role.REVIEWER.value, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(username: str, role: str, password_stdin: bool) -> None:
    """Add a user; the password is asked for (or read from stdin)."""
    from factcheck.accounts.users import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    def add(session: Session) -> str:
        user = add_user(session, username=username, password=password, role=Role(role), actor="cli")
        return f"added {user.username} ({role})"

    _account_change(add)


@users.command("list")
def users_list() -> None:
    """List the users with their roles."""
    from factcheck.accounts.users import list_users

    with session_scope(_settings().database_url) as session:
        for user in list_users(session):
            state = "" if user.active else "  (disabled)"
            click.echo(f"{user.username:<24} {user.role.value:<9}{state}")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE_CHOICE)
def users_set_role(username: str, role: str) -> None:
    """Change a user's role."""
    from factcheck.accounts.users import set_role

    def change(session: Session) -> str:
        user = set_role(session, username=username, role=Role(role), actor="cli")
        return f"{user.username} is now {role}"

    _account_change(change)


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable a user: no login, no API token."""
    from factcheck.accounts.users import set_active

    _account_change(
        lambda session: (
            f"{set_active(session, username=username, active=False, actor='cli').username}"
            " is disabled"
        )
    )


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable a disabled user again."""
    from factcheck.accounts.users import set_active

    _account_change(
        lambda session: (
            f"{set_active(session, username=username, active=True, actor='cli').username}"
            " is enabled"
        )
    )


@main.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
def tokens_create(username: str, name: str) -> None:
    """Create an API token for USERNAME; it is printed once."""
    from factcheck.accounts.users import create_token

    _account_change(
        lambda session: create_token(session, username=username, name=name, actor="cli").token
    )


@main.group()
def audit() -> None:
    """Export the audit log and check it for tampering."""


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 date or time") from error
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


@audit.command("export")
@click.option("--format", "output_format", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--since", help="ISO-8601; events at or after it.")
@click.option("--until", help="ISO-8601; events before it.")
@click.option("--actor")
@click.option("--action")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def audit_export(
    output_format: str,
    since: str | None,
    until: str | None,
    actor: str | None,
    action: str | None,
    output: str,
) -> None:
    """Stream the events to a file, with a header that records the chain's head."""
    from factcheck.audit import ExportFilter, write_export

    export_filter = ExportFilter(_moment(since), _moment(until), actor, action)
    with (
        session_scope(_settings().database_url) as session,
        open(output, "w", newline="", encoding="utf-8") as out,
    ):
        count = write_export(session, export_filter, output_format, out)
    click.echo(f"exported {count} events to {output}")


@audit.command("verify")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
def audit_verify(file: str | None) -> None:
    """Check the chain in the database, or in an exported FILE; exit 1 at the first
    event that does not match, naming it."""
    from factcheck.audit import verify_database, verify_export

    if file:
        with open(file, encoding="utf-8", newline="") as lines:
            report = verify_export(lines)
    else:
        with session_scope(_settings().database_url) as session:
            report = verify_database(session)
    if not report.holds:
        click.echo(f"the audit log does NOT hold: {report.first_bad}", err=True)
        sys.exit(1)
    click.echo(f"the audit log holds: {report.events} events, head {report.head}")
    if file and report.partial:
        click.echo("(a filtered export: each event's own hash was checked, not the links)")


@main.group()
def export() -> None:
    """Export what the newsroom published."""


@export.command("claimreview")
@click.option("--since", help="ISO-8601; claims decided at or after it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def export_claimreview(since: str | None, output: str) -> None:
    """Write the ClaimReview (schema.org) of every published decided claim, one JSON
    object a line. URLs start with FACTCHECK_PUBLIC_URL."""
    from factcheck.publish.claimreview import claim_reviews
    from factcheck.web import create_app
    from factcheck.web.public import newsroom, review_url_for

    settings = _settings()
    # The app only lends its URL rules, so the links are the ones the web serves.
    app, base = create_app(settings), settings.public_url or DEFAULT_PUBLIC_URL
    count = 0
    with (
        session_scope(settings.database_url) as session,
        open(output, "w", encoding="utf-8") as out,
    ):
        for review in claim_reviews(
            session,
            newsroom=newsroom(app, settings, base),
            review_url=review_url_for(app, base),
            since=_moment(since),
        ):
            out.write(json.dumps(review, ensure_ascii=False) + "\n")
            count += 1
    click.echo(f"exported {count} ClaimReviews to {output}")


def _first_admin(settings: Settings) -> None:
    """On a fresh install, an admin with a random password, printed once."""
    from factcheck.accounts.users import add_user, list_users

    with session_scope(settings.database_url) as session:
        if list_users(session):
            return
        password = secrets.token_urlsafe(12)
        add_user(session, username="admin", password=password, role=Role.ADMIN, actor="cli")
    click.secho(
        f"created the first user: admin / {password}  (shown once; write it down)", bold=True
    )


def _load_demo(settings: Settings) -> None:
    with session_scope(settings.database_url) as session:
        has_articles = session.exec(select(Article.id)).first() is not None
    if not has_articles and DEMO_ARTICLE.exists():
        article_id, _created = _submit(settings, str(DEMO_ARTICLE))
        click.echo(f"loaded the demo article as article {article_id}")


@main.command()
@click.option("--port", type=int, default=None, help="Default: $PORT, else 5000.")
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(port: int | None, host: str) -> None:
    """Serve the web app (for newsroom scale, run gunicorn 'factcheck.web:create_app()')."""
    from factcheck.web import create_app

    port = port or int(os.environ.get("PORT") or 5000)
    # This server speaks plain http on this machine: a Secure cookie would never come
    # back from some browsers. Behind TLS (gunicorn at newsroom scale) the default holds.
    os.environ.setdefault("FACTCHECK_SECURE_COOKIES", "0")
    app = create_app(_settings())
    click.echo(f"factcheck is at http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


def _worker_command(
    settings: Settings,
    extra: tuple[str, ...] = (),
    *,
    queues: str = "celery,crossrefs",
    beat: bool = True,
    name: str = "worker",
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tasks",
        "worker",
        "--loglevel",
        "INFO",
        "--queues",
        queues,
        "--hostname",
        f"{name}@%h",
    ]
    if beat:
        command.append("--beat")
    if settings.uses_embedded_broker:
        # The file broker is local to this machine: one worker process pool is its scale.
        command += ["--concurrency", "2"]
    return command + list(extra)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Start a Celery worker (with the periodic sweep) on the configured broker.
    Extra arguments go to `celery worker`."""
    command = _worker_command(_settings(), tuple(ctx.args))
    os.execv(command[0], command)


@main.command()
@click.option("--port", type=int, default=None, help="Default: $PORT, else 5000.")
def run(port: int | None) -> None:
    """Migrate, load the demo article, and run web and worker together (Ctrl-C stops both)."""
    from factcheck.migrate import upgrade_database

    settings = _settings()
    upgrade_database(settings.database_url)
    _first_admin(settings)
    _load_demo(settings)
    # Two workers: splitting (with the sweeps) is never held up by slow outlets.
    workers = [
        subprocess.Popen(
            _worker_command(settings, queues="celery", name="split"), start_new_session=True
        ),
        subprocess.Popen(
            _worker_command(settings, queues="crossrefs", beat=False, name="crossrefs"),
            start_new_session=True,
        ),
    ]
    try:
        serve.callback(port=port, host="127.0.0.1")
    finally:
        _stop_workers(workers, grace=5.0)


def _stop_workers(workers: list[subprocess.Popen[bytes]], grace: float) -> None:
    """Ask the workers to finish their tasks, and kill what is still running after `grace`
    seconds: a task cut short is safe (its message is acknowledged late and the sweeps take
    up work left half done), and Ctrl-C should not wait on a slow outlet."""
    for process in workers:
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in workers:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


if __name__ == "__main__":
    main()
