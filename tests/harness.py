"""Real parts for the tests: a fresh database and broker namespace per stack, a real
Celery worker process, a private Redis server, and a loopback HTTP server that plays
the outlets.

The back end comes from the environment: FACTCHECK_TEST_POSTGRES_URL (a server URL; each
stack gets a database of its own, dropped afterwards) and FACTCHECK_TEST_REDIS_URL (each
stack gets a key prefix of its own, deleted afterwards). Without them: a SQLite file and
the embedded file broker in a temporary folder.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

from factcheck.config import Settings, load_settings
from factcheck.migrate import upgrade_database

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("FACTCHECK_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("FACTCHECK_TEST_REDIS_URL")


@dataclass
class Stack:
    """One database and one broker namespace, with the settings that point at them."""

    env: dict[str, str]
    settings: Settings
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            cleanup()


def _postgres_database(stack_id: str) -> tuple[str, Callable[[], None]]:
    server = make_url(POSTGRES_URL)
    name = f"factcheck_test_{stack_id}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        from factcheck.db import get_engine

        get_engine(server.set(database=name).render_as_string(hide_password=False)).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def _redis_prefix_cleanup(url: str, prefix: str) -> Callable[[], None]:
    def delete_keys() -> None:
        import redis

        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()

    return delete_keys


def make_stack(base_dir: Path, *, broker_url: str | None = None, **extra_env: str) -> Stack:
    """A fresh database (migrated) and broker namespace; `broker_url` names a private
    broker instead of the one the back end gives."""
    stack_id = uuid.uuid4().hex[:10]
    instance = base_dir / f"instance-{stack_id}"
    env = {
        "FACTCHECK_INSTANCE_DIR": str(instance),
        "FACTCHECK_FETCH_ALLOW_HOSTS": "127.0.0.1,localhost",
        "FACTCHECK_SWEEP_INTERVAL": "0.5",
        "FACTCHECK_STALE_AFTER": "2",
        # Werkzeug's test client keeps Secure cookies off plain-http requests.
        "FACTCHECK_SECURE_COOKIES": "0",
        # Tests never fetch from the real outlets; the cross-reference tests switch
        # gathering on against outlets played on loopback.
        "FACTCHECK_CROSSREF": "0",
        "FACTCHECK_FETCH_MIN_DELAY": "0",
        # The web archive and news search answer from the internet; the tests of those
        # routes point them at servers played on loopback.
        "FACTCHECK_ARCHIVE_INDEX_URL": "off",
        "FACTCHECK_ARCHIVE_TIMEMAP_URL": "off",
        "FACTCHECK_NEWS_SEARCH_URL": "off",
        "FACTCHECK_ARCHIVE_MIN_DELAY": "0",
        "FACTCHECK_NEWS_SEARCH_MIN_DELAY": "0",
        **extra_env,
    }
    cleanups: list[Callable[[], None]] = []
    if POSTGRES_URL:
        env["FACTCHECK_DATABASE_URL"], drop = _postgres_database(stack_id)
        cleanups.append(drop)
    if broker_url or REDIS_URL:
        env["FACTCHECK_BROKER_URL"] = broker_url or REDIS_URL
        env["FACTCHECK_BROKER_KEY_PREFIX"] = f"fctest-{stack_id}:"
    if REDIS_URL and not broker_url:
        # The shared server outlives the tests: remove this stack's keys from it.
        cleanups.append(_redis_prefix_cleanup(REDIS_URL, env["FACTCHECK_BROKER_KEY_PREFIX"]))
    settings = load_settings(env)
    upgrade_database(settings.database_url)
    return Stack(env=env, settings=settings, cleanups=cleanups)


class WorkerProcess:
    """`celery -A tasks worker --beat` in its own process, on a stack's settings."""

    def __init__(self, stack: Stack, log_path: Path) -> None:
        self.stack = stack
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> WorkerProcess:
        env = {**os.environ, **self.stack.env}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tasks",
                "worker",
                "--beat",
                "--queues",
                "celery,crossrefs",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "--schedule",
                str(self.stack.settings.instance_dir / f"beat-{uuid.uuid4().hex[:6]}"),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log_path.read_bytes():
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"the worker did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A private redis-server on loopback, so a test may stop and restart it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass(frozen=True)
class Received:
    """One request as the simulator saw it: the host it was addressed to (no port), and
    when it came (time.monotonic())."""

    host: str
    path: str
    headers: dict[str, str]
    at: float = 0.0


class OutletSimulator:
    """A loopback HTTP server that plays news outlets: pages, feeds, errors, slow answers.

    Routes are found by path, or by host and path when registered with `host=` (the server
    answers as 127.0.0.1 and as localhost, which count as two hosts). It records every
    request (`requests`, `received`) and the largest number of requests it was answering
    at once for each host (`max_concurrency`)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host  # a loopback address; 127.0.0.2 and up count as other hosts
        self.routes: dict[str, Route] = {}
        self.prefixes: dict[str, Route] = {}  # routes for every path under a prefix
        self.requests: list[str] = []
        self.received: list[Received] = []
        self.max_concurrency: dict[str, int] = {}
        self._active: dict[str, int] = {}
        self._lock = threading.Lock()
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                simulator.requests.append(self.path)
                simulator.received.append(
                    Received(host, self.path, dict(self.headers), time.monotonic())
                )
                path = self.path.split("?")[0]
                route = simulator.routes.get(f"//{host}{path}") or simulator.routes.get(path)
                if route is None:
                    route = next(
                        (r for p, r in simulator.prefixes.items() if path.startswith(p)), None
                    )
                if route is None:
                    self.send_error(404, "Not Found")
                    return
                with simulator._counting(host) as answered:
                    # A request is open until its answer starts: once the client has its
                    # whole answer it may send the next, before this thread winds down.
                    send_response = self.send_response

                    def answering(*args: Any, **kwargs: Any) -> None:
                        answered()
                        send_response(*args, **kwargs)

                    self.send_response = answering  # type: ignore[method-assign]
                    route(self)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @contextmanager
    def _counting(self, host: str) -> Iterator[Callable[[], None]]:
        """Counts a request as open until `end()` (or the block's end, if sooner)."""
        with self._lock:
            self._active[host] = self._active.get(host, 0) + 1
            self.max_concurrency[host] = max(self.max_concurrency.get(host, 0), self._active[host])
        ended = False

        def end() -> None:
            nonlocal ended
            with self._lock:
                if not ended:
                    ended = True
                    self._active[host] -= 1

        try:
            yield end
        finally:
            end()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.server.server_address[1]}"

    def url(self, path: str, host: str | None = None) -> str:
        if host is None:
            return self.base_url + path
        return f"http://{host}:{self.server.server_address[1]}{path}"

    @staticmethod
    def answer(
        body: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Route:
        """A route that answers `body`; with `etag` or `last_modified`, a request carrying
        the same If-None-Match or If-Modified-Since gets 304 Not Modified."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        validators = {"ETag": etag, "Last-Modified": last_modified}
        validators = {name: value for name, value in validators.items() if value}

        def respond(handler: BaseHTTPRequestHandler) -> None:
            if delay:
                time.sleep(delay)
            unchanged = (etag and handler.headers.get("If-None-Match") == etag) or (
                last_modified and handler.headers.get("If-Modified-Since") == last_modified
            )
            handler.send_response(304 if unchanged else status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", "0" if unchanged else str(len(data)))
            for name, value in {**(headers or {}), **validators}.items():
                handler.send_header(name, value)
            handler.end_headers()
            if not unchanged:
                handler.wfile.write(data)

        return respond

    def page(
        self,
        path: str,
        body: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
        *,
        host: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        route = self.answer(body, content_type, status, delay, headers, etag, last_modified)
        self.routes[self._key(path, host)] = route

    def sequence(self, path: str, *routes: Route, host: str | None = None) -> None:
        """Answer the n-th request for `path` with the n-th route, then keep to the last."""
        remaining = list(routes)

        def respond(handler: BaseHTTPRequestHandler) -> None:
            with self._lock:
                route = remaining.pop(0) if len(remaining) > 1 else remaining[0]
            route(handler)

        self.routes[self._key(path, host)] = respond

    def drip(self, path: str, *, chunks: int, every: float) -> None:
        """A page that arrives a few bytes at a time, `every` seconds apart: each read is
        quick enough for a read timeout, the whole is not."""

        def respond(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.end_headers()
            handler.wfile.write(b"<html><body><p>")
            for _chunk in range(chunks):
                time.sleep(every)
                try:
                    handler.wfile.write(b"drip ")
                    handler.wfile.flush()
                except OSError:
                    return  # the client gave up

        self.routes[path] = respond

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.page(path, b"", status=status, headers={"Location": location})

    def requests_to(self, host: str) -> list[str]:
        """The paths requested from `host` (without port), in order."""
        return [request.path for request in self.received if request.host == host]

    @staticmethod
    def _key(path: str, host: str | None) -> str:
        return f"//{host}{path}" if host else path

    @contextmanager
    def running(self) -> Iterator[OutletSimulator]:
        self.thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


def wait_for(
    condition: Callable[[], object], timeout: float = 30.0, interval: float = 0.1
) -> object:
    """The first truthy value of `condition()`, or AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
