"""The request's database session lives on `g` and is closed at teardown."""

from __future__ import annotations

from flask import current_app, g
from sqlmodel import Session

from factcheck.config import Settings
from factcheck.db import get_engine
from tasks.splitting import dispatch_split as send_split


def app_settings() -> Settings:
    return current_app.extensions["factcheck.settings"]


def dispatch_split(article_id: int) -> bool:
    """Send the split after the commit; see tasks.splitting.dispatch_split."""
    return send_split(current_app.extensions["celery"], article_id)


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = Session(get_engine(app_settings().database_url), expire_on_commit=False)
    return g.db_session


def close_session(_error: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
