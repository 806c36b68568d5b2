"""Small builders shared by tests."""

from __future__ import annotations

from sqlmodel import Session

from factcheck.extract import extract
from factcheck.intake import submit_article
from factcheck.models import Article
from factcheck.outlets import Registry, load_registry
from factcheck.splitting import finish_split, start_split


def split_now(
    session: Session, content: str, submitted_by: str = "test", registry: Registry | None = None
) -> Article:
    """Submit and split an article in this process, as a worker would."""
    article = submit_article(session, content=content, submitted_by=submitted_by).article
    session.commit()
    assert start_split(session, article.id)
    registry = registry or load_registry()
    finish_split(session, article.id, extract(article.text, registry=registry), registry)
    session.commit()
    session.refresh(article)
    return article
