"""Running factcheck: the web (`serve`), and all of it at once with the schema, a demo
article, a first admin and two workers (`run`)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import click
from sqlmodel import select

from factcheck.accounts.users import add_user, list_users
from factcheck.cli.articles import submit
from factcheck.cli.common import cli_settings
from factcheck.cli.worker import worker_command
from factcheck.config import Settings
from factcheck.db import session_scope
from factcheck.migrate import upgrade_database
from factcheck.models import Article, Role
from factcheck.web import create_app

REPO_ROOT = Path(__file__).resolve().parents[2]


DEMO_ARTICLE = REPO_ROOT / "tests" / "fixtures" / "articles" / "memo-nato-daesh-2017.txt"


def _first_admin(settings: Settings) -> None:
    """On a fresh install, an admin with a random password, printed once."""
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
        article_id, _created = submit(settings, str(DEMO_ARTICLE))
        click.echo(f"loaded the demo article as article {article_id}")


@click.command()
@click.option("--port", type=int, default=None, help="Default: $PORT, else 5000.")
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(port: int | None, host: str) -> None:
    """Serve the web app (for newsroom scale, run gunicorn 'factcheck.web:create_app()')."""
    port = port or int(os.environ.get("PORT") or 5000)
    # This server speaks plain http on this machine: a Secure cookie would never come
    # back from some browsers. Behind TLS (gunicorn at newsroom scale) the default holds.
    os.environ.setdefault("FACTCHECK_SECURE_COOKIES", "0")
    app = create_app(cli_settings())
    click.echo(f"factcheck is at http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@click.command()
@click.option("--port", type=int, default=None, help="Default: $PORT, else 5000.")
def run(port: int | None) -> None:
    """Migrate, load the demo article, and run web and worker together (Ctrl-C stops both)."""
    settings = cli_settings()
    upgrade_database(settings.database_url)
    _first_admin(settings)
    _load_demo(settings)
    # Two workers: splitting (with the sweeps) is never held up by slow outlets.
    workers = [
        subprocess.Popen(
            worker_command(settings, queues="celery", name="split"), start_new_session=True
        ),
        subprocess.Popen(
            worker_command(settings, queues="crossrefs", beat=False, name="crossrefs"),
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
