"""End to end: a real worker process on a real broker splits what the web app receives,
and no submission is lost when the broker or the worker is away."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from factcheck.accounts.users import add_user
from factcheck.db import get_engine, session_scope
from factcheck.models import Article, ArticleState, AuditEvent, Claim, Role
from factcheck.web import create_app
from tests.conftest import PASSWORD, log_in
from tests.harness import REDIS_URL, RedisServer, Stack, WorkerProcess, make_stack, wait_for

pytestmark = pytest.mark.worker


def article_state(stack: Stack, article_id: int) -> ArticleState:
    with Session(get_engine(stack.settings.database_url)) as db:
        return db.get(Article, article_id).state


def claims_of(stack: Stack, article_id: int) -> list[Claim]:
    with Session(get_engine(stack.settings.database_url)) as db:
        return list(db.exec(select(Claim).where(Claim.article_id == article_id)).all())


def submit(client: FlaskClient, text: str) -> int:
    response = client.post("/articles", data={"text": text})
    assert response.status_code == 303, response.data
    return int(response.headers["Location"].split("/")[-1].split("?")[0])


def web_client(stack: Stack) -> FlaskClient:
    """A reviewer logged in to a web app on `stack` (a stack of the test's own)."""
    with session_scope(stack.settings.database_url) as db:
        add_user(db, username="rita", password=PASSWORD, role=Role.REVIEWER, actor="test")
    return log_in(create_app(stack.settings, {"WTF_CSRF_ENABLED": False}), "rita")


def test_a_submitted_article_reaches_the_queue_through_the_worker(client, worker, stack, demo_text):
    article_id = submit(client, demo_text)

    wait_for(lambda: article_state(stack, article_id) == ArticleState.QUEUED, timeout=30)

    claims = claims_of(stack, article_id)
    assert len(claims) >= 15
    queue = client.get("/queue").get_data(as_text=True)
    assert "one senior diplomat involved in the discussions" in queue
    with Session(get_engine(stack.settings.database_url)) as db:
        actions = db.exec(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "article")
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["article.ingest", "article.split_started", "article.split"]


def test_submitting_twice_while_splitting_makes_no_duplicate(client, worker, stack, demo_text):
    first = submit(client, demo_text)
    second = submit(client, demo_text)
    wait_for(lambda: article_state(stack, first) == ArticleState.QUEUED, timeout=30)

    assert first == second
    with Session(get_engine(stack.settings.database_url)) as db:
        assert db.exec(select(func.count()).select_from(Article)).one() == 1
        positions = db.exec(select(Claim.position).where(Claim.article_id == first)).all()
    assert len(positions) == len(set(positions))


def test_the_status_widget_shows_the_article_queued(client, worker, stack, demo_text):
    article_id = submit(client, demo_text)
    wait_for(lambda: article_state(stack, article_id) == ArticleState.QUEUED, timeout=30)

    widget = client.get(f"/articles/{article_id}/status", headers={"HX-Request": "true"})
    assert b"claims in the queue" in widget.data


@pytest.fixture
def own_stack(tmp_path) -> Stack:
    """A database and broker namespace no other worker watches."""
    created = make_stack(tmp_path)
    yield created
    created.close()


def test_an_article_submitted_while_no_worker_runs_is_split_when_one_starts(
    own_stack, tmp_path, demo_text
):
    article_id = submit(web_client(own_stack), demo_text)
    assert article_state(own_stack, article_id) == ArticleState.RECEIVED

    late_worker = WorkerProcess(own_stack, tmp_path / "late-worker.log").start()
    try:
        wait_for(lambda: article_state(own_stack, article_id) == ArticleState.QUEUED, timeout=30)
    finally:
        late_worker.stop()
    assert claims_of(own_stack, article_id)


@pytest.mark.skipif(not REDIS_URL, reason="runs on the Redis back end")
def test_a_submission_with_redis_down_succeeds_and_is_split_when_redis_returns(tmp_path, demo_text):
    redis = RedisServer()
    redis.start()
    stack = make_stack(tmp_path, broker_url=redis.url)
    worker_process = WorkerProcess(stack, tmp_path / "worker.log").start()
    try:
        redis.stop()
        article_id = submit(web_client(stack), demo_text)
        assert article_state(stack, article_id) == ArticleState.RECEIVED

        redis.start()
        wait_for(lambda: article_state(stack, article_id) == ArticleState.QUEUED, timeout=60)
        assert claims_of(stack, article_id)
    finally:
        worker_process.stop()
        redis.stop()
        stack.close()


def test_a_split_abandoned_by_a_dead_worker_is_taken_up_again(own_stack, tmp_path, demo_text):
    article_id = submit(web_client(own_stack), demo_text)
    with Session(get_engine(own_stack.settings.database_url)) as db:
        # What a worker killed mid-split leaves behind: the article taken, no claims.
        from factcheck.articles.splitting import start_split

        assert start_split(db, article_id)
        db.commit()

    late_worker = WorkerProcess(own_stack, tmp_path / "worker.log").start()
    try:
        wait_for(lambda: article_state(own_stack, article_id) == ArticleState.QUEUED, timeout=30)
    finally:
        late_worker.stop()
    with Session(get_engine(own_stack.settings.database_url)) as db:
        actions = db.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "article.split_abandoned" in actions
