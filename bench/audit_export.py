"""Exporting and verifying the audit log: 1,000,000 chained events in PostgreSQL, exported
to JSONL and to CSV and verified (in the database and in the file) by `factcheck audit`
in child processes; prints events/s and each child's peak RSS. The baseline, measured in
the same run: reading the same rows with psycopg alone (no hashing, no formatting).

    .venv/bin/python bench/audit_export.py [--events 1000000]

Needs PostgreSQL (FACTCHECK_BENCH_POSTGRES_URL, default the local server); makes and
drops a database of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The repository, in place of bench/ (whose queue.py would hide the standard library's).
sys.path[0] = str(ROOT)

import argparse
import io
import os
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import create_engine, make_url, text

from factcheck.audit.events import event_hash
from factcheck.db import canonical_json
from factcheck.migrate import upgrade_database


def fill(url: str, events: int) -> None:
    """`events` chained events, written with COPY; the head row updated to the last."""
    started = datetime(2026, 1, 1, tzinfo=UTC)
    previous = None
    buffer = io.StringIO()
    for number in range(1, events + 1):
        content = {
            "at": started + timedelta(seconds=number),
            "actor": f"reviewer{number % 16}",
            "address": None,
            "action": "verdict",
            "object_type": "claim",
            "object_id": str(number),
            "before": {"status": "pending", "version": 1},
            "after": {"status": "verified", "note": None, "version": 2},
        }
        digest = event_hash(content, previous)
        buffer.write(
            "\t".join(
                [
                    str(number),
                    content["at"].isoformat(),
                    content["actor"],
                    "\\N",
                    "verdict",
                    "claim",
                    str(number),
                    canonical_json(content["before"]),
                    canonical_json(content["after"]),
                    previous or "\\N",
                    digest,
                ]
            )
            + "\n"
        )
        previous = digest
    buffer.seek(0)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        with connection.cursor().copy(
            "COPY audit_event (id, at, actor, address, action, object_type, object_id, before, "
            "after, prev_sha256, sha256) FROM STDIN"
        ) as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        connection.execute("UPDATE audit_head SET sha256 = %s WHERE id = 1", (previous,))
        connection.execute("SELECT setval('audit_event_id_seq', %s)", (events,))
        connection.execute("ANALYZE audit_event")


# Runs the CLI, then reports the process's own peak RSS (VmHWM belongs to the program
# after exec; ru_maxrss would also count the pages the child shared with this process).
MEASURED_CLI = """
import sys
from factcheck.cli import main
try:
    main()
finally:
    peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(int(peak.split()[1]) // 1024, file=sys.stderr)
"""


def child(env: dict[str, str], *args: str) -> tuple[float, int]:
    """Seconds a `factcheck` command took, and its peak RSS in MB."""
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", MEASURED_CLI, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"factcheck {' '.join(args)} failed:\n{run.stderr}")
    return elapsed, int(run.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    server = os.environ.get(
        "FACTCHECK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    name = f"factcheck_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_database(url)
        started = time.perf_counter()
        fill(url, args.events)
        print(f"filled {args.events:,} chained events in {time.perf_counter() - started:.0f} s")
        with tempfile.TemporaryDirectory() as folder:
            env = {
                **os.environ,
                "FACTCHECK_DATABASE_URL": url,
                "FACTCHECK_INSTANCE_DIR": folder,
                "FACTCHECK_SECRET_KEY": uuid.uuid4().hex * 2,
            }
            dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            started = time.perf_counter()
            with psycopg.connect(dsn) as connection, connection.cursor(name="read") as cursor:
                cursor.itersize = 5000
                cursor.execute("SELECT * FROM audit_event ORDER BY id")
                rows = sum(1 for _row in cursor)
            baseline = rows / (time.perf_counter() - started)
            print(f"{'baseline: rows read with psycopg':<34} {baseline:>10,.0f} events/s")
            for label, command in [
                (
                    "export to JSONL",
                    ["audit", "export", "--format", "jsonl", "-o", f"{folder}/a.jsonl"],
                ),
                ("export to CSV", ["audit", "export", "--format", "csv", "-o", f"{folder}/a.csv"]),
                ("verify in the database", ["audit", "verify"]),
                ("verify the JSONL file", ["audit", "verify", f"{folder}/a.jsonl"]),
            ]:
                elapsed, peak = child(env, *command)
                rate = args.events / elapsed
                print(
                    f"{label:<34} {rate:>10,.0f} events/s  ({rate / baseline:.2f}x the baseline)  "
                    f"peak RSS {peak} MB"
                )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
