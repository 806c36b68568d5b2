"""The review loop under load: PostgreSQL with 1,000,000 claims in 50,000 articles, 16
simulated reviewers looping "take the next claim, post a verdict" over HTTP against
gunicorn, and in the same run a baseline: a bare endpoint of the same server reading one
claim by primary key through the same engine.

    .venv/bin/python bench/queue.py [--claims 1000000] [--articles 50000] [--seconds 30]
                                [--rounds 3]

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
import http.client
import json
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import closing

import httpx
from sqlalchemy import create_engine, make_url, text

from factcheck.accounts.users import add_user, create_token
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
"""
# After the fill, before any figure: autovacuum and the checkpointer would otherwise
# still be at work on the new rows during the measurements, on the same two cores.
SETTLE = ("VACUUM (ANALYZE) article", "VACUUM (ANALYZE) claim", "CHECKPOINT")


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
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
        for statement in SETTLE:
            connection.execute(text(statement))
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


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, threads: int
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
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


class Client:
    """One simulated reviewer's keep-alive connection. The standard library's client:
    the load generator shares the server's two cores, and the less of them it takes
    (httpx took three times as much), the more the figures measure the server."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, payload, headers)
        response = self.connection.getresponse()
        content = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {content[:200]!r}")
        return json.loads(content)

    def close(self) -> None:
        self.connection.close()


def load(worker, seconds: float) -> list[list[float]]:
    """Run `worker(index, deadline, latencies)` in REVIEWERS threads; their latencies.
    A reviewer that fails stops the benchmark: its figures would not be the loop's."""
    latencies: list[list[float]] = [[] for _ in range(REVIEWERS)]
    failures: list[BaseException] = []
    deadline = time.monotonic() + seconds

    def run(index: int) -> None:
        try:
            worker(index, deadline, latencies[index])
        except Exception as error:  # any failure ends the run, reported below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(REVIEWERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} reviewer(s) failed, first: {failures[0]}")
    return latencies


def process_cpu(name: str, parent: int | None = None) -> dict[int, float]:
    """CPU seconds (user and system) spent so far by each process whose command line
    contains `name`, or by `parent` and its children (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        pid, parent_pid = int(entry.name), int(fields[1])
        if (parent is None and name in command) or parent in (pid, parent_pid):
            found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two readings: a process started meanwhile counts whole, one
    that ended meanwhile is lost (its last moments only)."""
    return sum(spent - before.get(pid, 0.0) for pid, spent in after.items())


class Phase:
    """One kind of load, run in several rounds: its latencies and the CPU it cost."""

    def __init__(self, name: str, worker, groups: dict[str, Callable[[], dict[int, float]]]):
        self.name, self.worker, self.groups = name, worker, groups
        self.latencies: list[float] = []
        self.seconds = 0.0
        self.cpu = dict.fromkeys(groups, 0.0)

    def run(self, seconds: float) -> None:
        before = {group: read() for group, read in self.groups.items()}
        for per_reviewer in load(self.worker, seconds):
            self.latencies.extend(per_reviewer)
        self.seconds += seconds
        for group, read in self.groups.items():
            self.cpu[group] += cpu_spent(before[group], read())

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def summary(self) -> tuple[float, float]:
        flat = sorted(self.latencies)
        median, p99 = statistics.median(flat), flat[int(len(flat) * 0.99) - 1]
        cost = "  ".join(
            f"{group} {spent / len(flat) * 1000:.2f}" for group, spent in self.cpu.items()
        )
        print(
            f"{self.name:<34} {len(flat) / self.seconds:6.0f} req/s   median "
            f"{median * 1000:5.1f} ms   p99 {p99 * 1000:6.1f} ms   CPU ms/request: {cost}"
        )
        return median, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=30.0, help="of each kind of load")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn's processes")
    parser.add_argument("--threads", type=int, default=6, help="per process")
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
        gunicorn = start_gunicorn(env, port, args.workers, args.threads)
        try:
            tokens = reviewer_tokens(url)
            handed_out: list[list[int]] = [[] for _ in range(REVIEWERS)]

            def baseline(index: int, deadline: float, latencies: list[float]) -> None:
                with closing(Client(port)) as client:
                    while time.monotonic() < deadline:
                        started = time.perf_counter()
                        client.call("GET", f"/bench/claims/{random.randint(1, args.claims)}")
                        latencies.append(time.perf_counter() - started)

            def review(index: int, deadline: float, latencies: list[float]) -> None:
                with closing(Client(port, token=tokens[index])) as client:
                    while time.monotonic() < deadline:
                        started = time.perf_counter()
                        claim = client.call("POST", "/api/review/next")
                        latencies.append(time.perf_counter() - started)
                        handed_out[index].append(claim["id"])
                        started = time.perf_counter()
                        client.call(
                            "POST",
                            f"/api/claims/{claim['id']}/verdict",
                            {"status": "verified", "version": claim["version"]},
                        )
                        latencies.append(time.perf_counter() - started)

            # Warm-up of both kinds of load: connections, caches, and each connection's
            # prepared statements and their plans (psycopg prepares a statement on its
            # fifth run; PostgreSQL weighs a generic plan after five custom ones).
            load(baseline, 2)
            load(review, 2)
            # CPU per request of the web server, of the database server's processes (the
            # machine must be otherwise quiet) and of this load generator.
            groups = {
                "web": lambda: process_cpu("gunicorn", parent=gunicorn.pid),
                "database": lambda: process_cpu("postgres: "),
                "client": lambda: {os.getpid(): time.process_time()},
            }
            base = Phase("baseline: one claim by primary key", baseline, groups)
            loop = Phase("review loop: take next / verdict", review, groups)
            # Rounds in turn, so that a slower spell of the machine weighs on both alike.
            for _round in range(args.rounds):
                base.run(args.seconds / args.rounds)
                loop.run(args.seconds / args.rounds)
            base_median, base_p99 = base.summary()
            loop_median, loop_p99 = loop.summary()
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
    ratio = loop_median / base_median
    print(
        f"review / baseline: median {ratio:.2f}x   p99 {loop_p99 / base_p99:.2f}x   "
        f"requests/s {loop.rate / base.rate:.2f}x"
    )
    print(
        f"claims handed out: {len(every):,}, handed out twice: {len(twice)}, "
        f"verdicts: {verdicts[0]:,} on {verdicts[1]:,} distinct claims"
    )
    targets = [
        ("review median at most 2x the baseline's", ratio <= 2, f"{ratio:.2f}x"),
        ("review p99 under 100 ms", loop_p99 < 0.1, f"{loop_p99 * 1000:.1f} ms"),
        ("no claim handed out twice", not twice, f"{len(twice)} twice"),
    ]
    for target, met, figure in targets:
        print(f"target {target}: {'met' if met else 'NOT MET'} ({figure})")


if __name__ == "__main__":
    main()
