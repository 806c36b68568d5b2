"""The review loop under load: PostgreSQL with 1,000,000 claims in 50,000 articles, 16
simulated reviewers looping "take the next claim, post a verdict" over HTTP against
gunicorn, and in the same run a baseline: a bare endpoint of the same server reading one
claim by primary key through the same engine.

    .venv/bin/python bench/queue.py [--claims 1000000] [--articles 50000] [--seconds 20]

Needs PostgreSQL (FACTCHECK_BENCH_POSTGRES_URL, default the local server); makes and
drops a database of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is named queue.py: its folder must not shadow the standard library's queue.
sys.path[0] = str(ROOT)

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter

import httpx
from sqlalchemy import create_engine, make_url, text

from factcheck.accounts import add_user, create_token
from factcheck.db import session_scope
from factcheck.migrate import upgrade_database
from factcheck.models import Role

REVIEWERS = 16

FILL = """
INSERT INTO article (id, title, text, sha256, state, submitted_by, credited_outlets, pinned,
                     created_at, updated_at)
SELECT a, 'Bench article ' || a, 'Bench article text ' || a, md5(a::text) || md5((-a)::text),
       'queued', 'bench', '[]', false, now() - make_interval(secs => :articles - a), now()
FROM generate_series(1, :articles) AS a;
INSERT INTO claim (article_id, position, text, start, "end", kind, checkworthiness, status,
                   fingerprint, version, evidence_urls, created_at, updated_at)
SELECT 1 + (c - 1) / :per_article, (c - 1) % :per_article, 'Bench claim number ' || c, 0, 10,
       'statement', random(), 'pending', md5(c::text), 1, '[]', now(), now()
FROM generate_series(1, :claims) AS c;
SELECT setval('article_id_seq', :articles);
ANALYZE article; ANALYZE claim;
"""


def make_database(server: str, claims: int, articles: int) -> str:
    name = f"factcheck_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    started = time.perf_counter()
    with create_engine(url).begin() as connection:
        for statement in filter(str.strip, FILL.split(";")):
            connection.execute(
                text(statement),
                {"claims": claims, "articles": articles, "per_article": claims // articles},
            )
    took = time.perf_counter() - started
    print(f"filled {claims:,} claims in {articles:,} articles in {took:.0f} s")
    return url


def drop_database(server: str, url: str) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def reviewer_tokens(url: str) -> list[str]:
    tokens = []
    with session_scope(url) as session:
        for number in range(REVIEWERS):
            name = f"reviewer{number}"
            add_user(
                session, username=name, password="bench password", role=Role.REVIEWER, actor="bench"
            )
            tokens.append(create_token(session, username=name, name="bench", actor="bench").token)
    return tokens


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--worker-class",
            "gthread",
            "--threads",
            "6",
            "--log-level",
            "warning",
            "bench.queue_app:app",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def load(worker, seconds: float) -> list[list[float]]:
    """Run `worker(index, deadline, latencies)` in REVIEWERS threads; their latencies."""
    latencies: list[list[float]] = [[] for _ in range(REVIEWERS)]
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=worker, args=(i, deadline, latencies[i])) for i in range(REVIEWERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def summary(name: str, latencies: list[list[float]], seconds: float) -> tuple[float, float]:
    flat = sorted(x for per in latencies for x in per)
    median, p99 = statistics.median(flat), flat[int(len(flat) * 0.99) - 1]
    print(
        f"{name:<34} {len(flat) / seconds:8.0f} req/s   median {median * 1000:6.1f} ms   "
        f"p99 {p99 * 1000:6.1f} ms"
    )
    return median, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    server = os.environ.get(
        "FACTCHECK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    url = make_database(server, args.claims, args.articles)
    port = 8800 + random.randrange(100)
    with tempfile.TemporaryDirectory() as instance:
        env = {
            **os.environ,
            "FACTCHECK_DATABASE_URL": url,
            "FACTCHECK_INSTANCE_DIR": instance,
            "FACTCHECK_SECRET_KEY": uuid.uuid4().hex * 2,
        }
        gunicorn = start_gunicorn(env, port)
        try:
            tokens = reviewer_tokens(url)
            base = f"http://127.0.0.1:{port}"
            handed_out: list[list[int]] = [[] for _ in range(REVIEWERS)]

            def baseline(index: int, deadline: float, latencies: list[float]) -> None:
                with httpx.Client(base_url=base) as client:
                    while time.monotonic() < deadline:
                        started = time.perf_counter()
                        client.get(
                            f"/bench/claims/{random.randint(1, args.claims)}"
                        ).raise_for_status()
                        latencies.append(time.perf_counter() - started)

            def review(index: int, deadline: float, latencies: list[float]) -> None:
                headers = {"Authorization": f"Bearer {tokens[index]}"}
                with httpx.Client(base_url=base, headers=headers) as client:
                    while time.monotonic() < deadline:
                        started = time.perf_counter()
                        claim = client.post("/api/review/next").json()
                        latencies.append(time.perf_counter() - started)
                        handed_out[index].append(claim["id"])
                        started = time.perf_counter()
                        client.post(
                            f"/api/claims/{claim['id']}/verdict",
                            json={"status": "verified", "version": claim["version"]},
                        ).raise_for_status()
                        latencies.append(time.perf_counter() - started)

            load(baseline, 2)  # warm-up: connections, caches
            base_median, _base_p99 = summary(
                "baseline: one claim by primary key", load(baseline, args.seconds), args.seconds
            )
            loop_median, loop_p99 = summary(
                "review loop: take next / verdict", load(review, args.seconds), args.seconds
            )
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
    every = [claim for per in handed_out for claim in per]
    twice = [claim for claim, times in Counter(every).items() if times > 1]
    with create_engine(url).connect() as connection:
        verdicts = connection.execute(
            text("SELECT count(*), count(DISTINCT claim_id) FROM verdict")
        ).one()
    drop_database(server, url)
    print(
        f"ratio of medians (review / baseline): {loop_median / base_median:.2f}x   "
        f"review p99: {loop_p99 * 1000:.1f} ms"
    )
    print(
        f"claims handed out: {len(every):,}, handed out twice: {len(twice)}, "
        f"verdicts: {verdicts[0]:,} on {verdicts[1]:,} distinct claims"
    )


if __name__ == "__main__":
    main()
