"""`make run`'s command: migrate, first admin, demo article, web and worker; Ctrl-C stops both."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests import crossref_world
from tests.harness import REPO_ROOT, OutletSimulator, free_port, wait_for

pytestmark = pytest.mark.worker


def _run_environment(tmp_path, port: int, outlets: OutletSimulator) -> dict[str, str]:
    """The embedded default, with the demo's outlets played by the loopback simulator: a test
    never reaches the real outlets. Every feed answers only after a minute."""
    registry = crossref_world.build(outlets, tmp_path)
    for outlet in ("reuters", "aljazeera", "afp"):
        outlets.page(f"/{outlet}/feed.xml", "<rss/>", content_type="application/rss+xml", delay=60)
    return {key: value for key, value in os.environ.items() if not key.startswith("FACTCHECK_")} | {
        "FACTCHECK_INSTANCE_DIR": str(tmp_path / "instance"),
        "FACTCHECK_OUTLETS_FILE": str(registry),
        "FACTCHECK_FETCH_ALLOW_HOSTS": "127.0.0.1",
        "PORT": str(port),
    }


def test_run_starts_web_and_worker_on_the_embedded_default_and_ctrl_c_stops_both(tmp_path):
    port = free_port()
    with OutletSimulator().running() as outlets:
        _run_and_interrupt(tmp_path, port, outlets)
    time.sleep(1)
    leftover = subprocess.run(
        ["pgrep", "-f", f"celery.*{tmp_path}"], capture_output=True, text=True
    ).stdout
    assert leftover == ""


def _run_and_interrupt(tmp_path, port: int, outlets: OutletSimulator) -> None:
    env = _run_environment(tmp_path, port, outlets)
    log = tmp_path / "run.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "factcheck.cli", "run"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: f"http://127.0.0.1:{port}/" in log.read_text(), timeout=60)
        password = re.search(r"admin / (\S+)", log.read_text()).group(1)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=True) as browser:
            login_page = browser.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
            browser.post(
                "/login", data={"username": "admin", "password": password, "csrf_token": token}
            )

            def split_demo() -> str | None:
                page = browser.get("/queue").text
                return page if "one senior diplomat" in page else None

            queue = wait_for(split_demo, timeout=60)
        assert "NATO to join the fight against Daesh" in queue
        # Ctrl-C comes while the cross-reference worker waits on the slow outlet.
        wait_for(lambda: "/reuters/feed.xml" in outlets.requests_to("127.0.0.1"), timeout=60)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=12)
    assert process.returncode == 0
    assert "ready." in log.read_text()  # the worker did start
