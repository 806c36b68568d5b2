"""Gathering cross-references under a slow network: four outlets played on loopback
(127.0.0.2 to 127.0.0.5), each answering every request 300 ms late; 200 claims, 50
citing each outlet; a per-host limit of 4 concurrent requests; real Celery workers on
the embedded default. Runs with 1 worker process, then 2, and prints the wall time, the
ideal (requests to the busiest host x 300 ms / 4), the ratio, and the largest
concurrency each host saw.

Claims are sent as the app sends them (`tasks.crossrefs.dispatch_gathering`, a batch of
claims per task), so claims of one batch that cite the same outlet share its feed and the
pages they rank; the ideal counts the requests the hosts actually answered.

    .venv/bin/python bench/crossref.py [--claims 200] [--threads 16]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository, in place of bench/ (whose queue.py would hide the standard library's).
sys.path[0] = str(ROOT)

import argparse
import os
import subprocess
import tempfile
import time
from contextlib import ExitStack

from sqlmodel import Session, func, select

from factcheck.config import load_settings
from factcheck.db import get_engine
from factcheck.migrate import upgrade_database
from factcheck.models import Article, ArticleState, Claim, ClaimOutlet, CrossrefState, Outlet
from tasks.app import make_celery
from tasks.crossrefs import dispatch_gathering
from tests.harness import OutletSimulator

DELAY = 0.3
PER_HOST = 4
HOSTS = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]


def serve_outlet(stack: ExitStack, host: str, stories: int) -> OutletSimulator:
    simulator = OutletSimulator(host=host)
    items = "".join(
        f"<item><title>Council story {n}</title><link>{simulator.url(f'/story/{n}')}</link></item>"
        for n in range(stories)
    )
    simulator.page(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
        content_type="application/rss+xml",
        delay=DELAY,
    )
    for n in range(stories):
        simulator.page(
            f"/story/{n}",
            "<html><body><p>The council approved budget line "
            f"{n} on Monday, officials said.</p></body></html>",
            delay=DELAY,
        )
    simulator.page("/robots.txt", "", status=404)
    stack.enter_context(simulator.running())
    return simulator


def fill(database_url: str, claims: int) -> list[int]:
    with Session(get_engine(database_url)) as session:
        article = Article(text="Bench article.", sha256="b" * 64, state=ArticleState.QUEUED)
        session.add(article)
        outlets = [Outlet(name=f"Bench Outlet {i}") for i in range(len(HOSTS))]
        session.add_all(outlets)
        session.flush()
        rows = [
            Claim(
                article_id=article.id,
                position=n,
                text=f"The council approved budget line {n}.",
                start=0,
                end=10,
                fingerprint=f"{n:064d}",
                crossref_state=CrossrefState.WAITING,
            )
            for n in range(claims)
        ]
        session.add_all(rows)
        session.flush()
        session.add_all(
            ClaimOutlet(claim_id=c.id, outlet_id=outlets[c.position % len(HOSTS)].id) for c in rows
        )
        session.commit()
        return [c.id for c in rows]


def run(processes: int, claims: int, threads: int) -> tuple[float, dict[str, int], int]:
    with tempfile.TemporaryDirectory() as instance, ExitStack() as stack:
        simulators = [serve_outlet(stack, host, claims // len(HOSTS)) for host in HOSTS]
        outlets_file = Path(instance) / "outlets.toml"
        outlets_file.write_text(
            "".join(
                f'[[outlets]]\nname = "Bench Outlet {i}"\ndomains = ["{host}"]\n'
                f'feeds = ["{sim.url("/feed.xml")}"]\n\n'
                for i, (host, sim) in enumerate(zip(HOSTS, simulators, strict=True))
            )
        )
        env = {key: value for key, value in os.environ.items() if not key.startswith("FACTCHECK_")}
        env |= {
            "FACTCHECK_INSTANCE_DIR": instance,
            "FACTCHECK_OUTLETS_FILE": str(outlets_file),
            "FACTCHECK_FETCH_ALLOW_HOSTS": ",".join(HOSTS),
            "FACTCHECK_FETCH_PER_HOST": str(PER_HOST),
            "FACTCHECK_FETCH_MIN_DELAY": "0",
            "FACTCHECK_WIRE_AGENCIES": "",
        }
        settings = load_settings(env)
        upgrade_database(settings.database_url)
        claim_ids = fill(settings.database_url, claims)
        workers = []
        for number in range(processes):
            log = Path(instance) / f"worker{number}.log"
            workers.append(
                (
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "-A",
                            "tasks",
                            "worker",
                            "--queues",
                            "crossrefs",
                            "--pool",
                            "threads",
                            "--concurrency",
                            str(threads),
                            "--loglevel",
                            "WARNING",
                            "-n",
                            f"bench{number}@%h",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=log.open("wb"),
                        stderr=subprocess.STDOUT,
                    ),
                    log,
                )
            )
        time.sleep(3)  # the workers connect to the broker
        started = time.perf_counter()
        dispatch_gathering(make_celery(settings), claim_ids)
        engine = get_engine(settings.database_url)
        while True:
            with Session(engine) as session:
                unsettled = session.exec(
                    select(func.count()).where(
                        Claim.crossref_state.in_([CrossrefState.WAITING, CrossrefState.RUNNING])
                    )
                ).one()
            if unsettled == 0:
                break
            time.sleep(0.05)
        wall = time.perf_counter() - started
        for process, _log in workers:
            process.terminate()
            process.wait(timeout=30)
        with Session(engine) as session:
            failed = session.exec(
                select(func.count()).where(Claim.crossref_state == CrossrefState.FAILED)
            ).one()
        seen = {
            host: sim.max_concurrency.get(host, 0)
            for host, sim in zip(HOSTS, simulators, strict=True)
        }
        busiest = max(sum(1 for r in sim.received if r.path != "/robots.txt") for sim in simulators)
        return wall, seen, busiest if not failed else -failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    walls = {}
    for processes in (1, 2):
        wall, seen, busiest = run(processes, args.claims, args.threads)
        if busiest < 0:
            raise SystemExit(f"{-busiest} claims failed to gather")
        ideal = busiest * DELAY / PER_HOST
        walls[processes] = wall
        print(
            f"{processes} worker process(es) x {args.threads} threads: wall {wall:.1f} s, ideal "
            f"{ideal:.1f} s ({busiest} requests to the busiest host), ratio {wall / ideal:.2f}, "
            f"largest concurrency per host {max(seen.values())} (limit {PER_HOST})"
        )
    print(f"2 processes / 1 process: {walls[2] / walls[1]:.2f}x the wall time")


if __name__ == "__main__":
    main()
