"""Time from submit to queued claims, on the embedded default (SQLite + file broker).

Starts a real worker the way `make run` does, submits the demo article N times (each copy
made unique so it is not deduplicated) and waits until each is queued. The baseline,
measured in the same run, is the extraction alone in this process: the part of the
time that is the split's own work rather than the hops between web, broker and worker.

    .venv/bin/python bench/pipeline.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
# The repository, in place of bench/ (whose queue.py would hide the standard library's).
sys.path[0] = str(ROOT)

from factcheck.articles.intake import submit_article
from factcheck.config import load_settings
from factcheck.db import get_engine, session_scope
from factcheck.extract import extract
from factcheck.migrate import upgrade_database
from factcheck.models import Article, ArticleState
from tasks.app import make_celery
from tasks.splitting import dispatch_split

DEMO = ROOT / "tests" / "fixtures" / "articles" / "memo-nato-daesh-2017.txt"


def start_worker(env: dict[str, str], log: Path, queue: str) -> subprocess.Popen[bytes]:
    """A worker on one queue, as `make run` starts them (`--queues` last wins)."""
    command = [
        sys.executable,
        "-m",
        "factcheck.cli",
        "worker",
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"worker did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.05)
    return process


def submit_and_wait(settings, celery, text: str) -> float:
    started = time.perf_counter()
    with session_scope(settings.database_url) as session:
        article_id = submit_article(session, content=text, submitted_by="bench").article.id
    dispatch_split(celery, article_id)
    engine = get_engine(settings.database_url)
    while True:
        with Session(engine) as session:
            if session.get(Article, article_id).state == ArticleState.QUEUED:
                return time.perf_counter() - started
        time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    demo = DEMO.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "FACTCHECK_INSTANCE_DIR": instance}
        for name in ("FACTCHECK_DATABASE_URL", "FACTCHECK_BROKER_URL"):
            env.pop(name, None)
        settings = load_settings(env)
        upgrade_database(settings.database_url)
        workers = [
            start_worker(env, Path(instance) / f"{queue}.log", queue)
            for queue in ("celery", "crossrefs")
        ]
        try:
            celery = make_celery(settings)
            submit_and_wait(settings, celery, demo + "\n\nWarm-up copy.")
            timings = [
                submit_and_wait(settings, celery, f"{demo}\n\nCopy {run} of the benchmark.")
                for run in range(args.runs)
            ]
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
    extraction = []
    for _ in range(args.runs):
        started = time.perf_counter()
        extract(demo)
        extraction.append(time.perf_counter() - started)
    median = statistics.median(timings)
    p95 = sorted(timings)[max(0, int(len(timings) * 0.95) - 1)]
    baseline = statistics.median(extraction)
    print(f"demo article, {args.runs} submits, embedded default (SQLite + file broker)")
    print(f"submit -> queued: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(f"baseline, extraction alone in-process: median {baseline * 1000:.1f} ms")
    print(f"ratio end-to-end / extraction: {median / baseline:.1f}x")


if __name__ == "__main__":
    main()
