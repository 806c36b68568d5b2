"""Turns at a host, shared by every thread of a worker process and, with a slots folder,
by every process of the machine.

A gathering worker runs many tasks at once, each in its own thread with its own event
loop, so a host's limit and its minimum delay between requests have to hold across
threads, not within one event loop. Waiting is event-driven: a request that ends hands
its turn to the request that has waited longest in the process. Across processes each of
the `limit` slots is a file lock (which the kernel releases if its process dies); only a
request that already holds one of its process's turns looks for a free slot, and only
while another process holds the rest, so a single worker process never polls.

Workers on many machines share a host's slots and its next start time in Redis instead
(`Limiter`): each slot is a lease that ends by itself, so a dead worker frees its own.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

import redis

# How often a request that holds a turn of its process looks again for a slot held by
# another process: a fraction of any answer's time, at the cost of a few system calls.
SLOT_POLL = 0.005
# Gates a process keeps; beyond this, those of hosts nobody is waiting for are dropped.
MAX_GATES = 1000
# How often a request looks again for a slot in Redis while every slot is taken.
SHARED_POLL = 0.02
# A shared slot's lease: longer than any one request may take (see FetchPolicy.timeout).
SHARED_LEASE = 120.0

# A slot for `token` when fewer than ARGV[1] live leases are out (each ARGV[2] ms long).
_ACQUIRE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
"""
# Milliseconds until this request may start; the next may start ARGV[1] ms after it.
# With ARGV[2] = 1 it only pushes the next start ARGV[1] ms from now (a hold-off).
_RESERVE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local start = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local after = tonumber(ARGV[1])
if ARGV[2] == '1' then start = math.max(start - after, now) end
redis.call('SET', KEYS[1], start + after, 'PX', start + after - now + 60000)
return start - now
"""


@dataclass(eq=False)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    granted: bool = False  # a turn was handed to it
    passed_on: bool = False  # it gave that turn to the next, never having used it


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Turns:
    """A counting semaphore for the coroutines of every thread and event loop of the
    process (asyncio's own belongs to one loop), handed out in the order asked."""

    def __init__(self, limit: int) -> None:
        self._lock = threading.Lock()
        self._free = limit
        self._queue: deque[_Waiter] = deque()

    @property
    def idle(self) -> bool:
        with self._lock:
            return not self._queue and self._free > 0

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._free > 0 and not self._queue:
                self._free -= 1
                return
            waiter = _Waiter(loop, loop.create_future())
            self._queue.append(waiter)
        try:
            await waiter.future
        except asyncio.CancelledError:
            with self._lock:
                if not waiter.granted:
                    self._queue.remove(waiter)
                    raise
            self._pass_on(waiter)  # the turn came as the waiter gave up
            raise

    def release(self) -> None:
        with self._lock:
            if not self._queue:
                self._free += 1
                return
            waiter = self._queue.popleft()
            waiter.granted = True
        try:
            waiter.loop.call_soon_threadsafe(_wake, waiter.future)
        except RuntimeError:
            self._pass_on(waiter)  # its loop is closed: it will never take the turn

    def _pass_on(self, waiter: _Waiter) -> None:
        """Give a granted turn its waiter will not use to the next, once."""
        with self._lock:
            if waiter.passed_on:
                return
            waiter.passed_on = True
        self.release()


class LimiterUnavailable(RuntimeError):
    """The Redis that holds the shared per-host limits cannot be reached: passing trouble
    for the whole batch (its task hands its claims back), not a failure of one page."""


@dataclass(frozen=True)
class Limiter:
    """Where workers on many machines share per-host limits: a Redis, the prefix of its
    keys (one per install), and how long a slot is held at most before it frees itself
    (longer than the longest wait and attempt a request may make)."""

    url: str
    prefix: str = ""
    lease: float = SHARED_LEASE


@cache
def _redis(url: str) -> redis.Redis:
    # Bounded waits: a Redis that hangs must not hold a worker's requests forever.
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


class SharedLimits:
    """A host's slots and its next start, in Redis: shared by every worker process of
    every machine that names the same Redis (and key prefix)."""

    def __init__(self, limiter: Limiter, host: str, limit: int) -> None:
        client = _redis(limiter.url)
        self._url = limiter.url
        self._limit = limit
        self._lease_ms = int(limiter.lease * 1000)
        self._slots = f"{limiter.prefix}factcheck:host-slots:{host}"
        self._next = f"{limiter.prefix}factcheck:host-next:{host}"
        self._acquire = client.register_script(_ACQUIRE)
        self._reserve = client.register_script(_RESERVE)
        self._client = client

    def try_slot(self) -> str | None:
        token = uuid.uuid4().hex
        with self._reachable():
            taken = self._acquire(keys=[self._slots], args=[self._limit, self._lease_ms, token])
        return token if taken else None

    def release(self, token: str) -> None:
        with self._reachable():
            self._client.zrem(self._slots, token)

    def reserve_start(self, min_delay: float) -> float:
        with self._reachable():
            waited = self._reserve(keys=[self._next], args=[int(min_delay * 1000), 0])
        return int(waited) / 1000

    def hold_off(self, seconds: float) -> None:
        with self._reachable():
            self._reserve(keys=[self._next], args=[int(seconds * 1000), 1])

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except redis.RedisError as error:
            raise LimiterUnavailable(
                f"The shared per-host limits at {self._url} cannot be reached: {error}"
            ) from error


class HostGate:
    """At most `limit` requests at a time to one host from every thread of the process,
    each starting at least its `min_delay` after the one before; with a `slots_dir`, at
    most `limit` across every process of the machine; with `shared` limits, across every
    machine, starts spaced across them all too."""

    def __init__(
        self, host: str, limit: int, slots_dir: Path | None, shared: SharedLimits | None = None
    ) -> None:
        self._turns = _Turns(limit)
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._shared = shared
        self._slot_files: list[Path] = []
        if slots_dir and shared is None:
            safe_host = re.sub(r"[^A-Za-z0-9.-]", "_", host)
            self._slot_files = [slots_dir / f"{safe_host}.{i}.lock" for i in range(limit)]
            slots_dir.mkdir(parents=True, exist_ok=True)

    @property
    def idle(self) -> bool:
        """Nobody holds or waits for a turn, and the next request may start at once."""
        with self._lock:
            spaced = self._next_start <= time.monotonic()
        return spaced and self._turns.idle

    def hold_off(self, seconds: float) -> None:
        """No request starts for `seconds` (the host asked for a pause)."""
        with self._lock:
            self._next_start = max(self._next_start, time.monotonic() + seconds)
        if self._shared is not None:
            self._shared.hold_off(seconds)

    @asynccontextmanager
    async def turn(self, min_delay: float) -> AsyncIterator[None]:
        """Hold a turn for the block; it starts at least `min_delay` after the last."""
        await self._turns.acquire()
        try:
            if self._shared is not None:
                async with self._shared_turn(min_delay):
                    yield
                return
            wait = self._reserve_start(min_delay)
            if wait > 0:
                await asyncio.sleep(wait)
            handle = await self._machine_slot() if self._slot_files else None
            try:
                yield
            finally:
                if handle is not None:
                    handle.close()  # closing the file releases its lock
        finally:
            self._turns.release()

    @asynccontextmanager
    async def _shared_turn(self, min_delay: float) -> AsyncIterator[None]:
        # The slot first, then the start: a start reserved while waiting for a slot would
        # be spent by the time it came, and starts would bunch up behind it.
        assert self._shared is not None
        shared = self._shared
        while (token := await asyncio.to_thread(shared.try_slot)) is None:
            await asyncio.sleep(SHARED_POLL)
        try:
            wait = max(await asyncio.to_thread(shared.reserve_start, min_delay), self._local_wait())
            if wait > 0:
                await asyncio.sleep(wait)
            yield
        finally:
            await asyncio.to_thread(shared.release, token)

    def _local_wait(self) -> float:
        with self._lock:
            return self._next_start - time.monotonic()

    def _reserve_start(self, min_delay: float) -> float:
        """Seconds until this request may start; the next may start `min_delay` later."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + min_delay
        return start - now

    async def _machine_slot(self) -> IO[str]:
        # The process's turns and the slots are as many, so a slot is free unless
        # another process holds it: only then does this look again, every SLOT_POLL.
        while True:
            for path in self._slot_files:
                handle = path.open("a")
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    continue
                return handle
            await asyncio.sleep(SLOT_POLL)


class _Gates:
    """The process's gates, one per host (and limit and slots folder), kept while in use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gates: dict[tuple[str, int, Path | None, Limiter | None], HostGate] = {}
        self._users: dict[HostGate, int] = {}

    def check_out(
        self, host: str, limit: int, slots_dir: Path | None, limiter: Limiter | None
    ) -> HostGate:
        key = (host, limit, slots_dir, limiter)
        with self._lock:
            gate = self._gates.get(key)
            if gate is None:
                if len(self._gates) >= MAX_GATES:
                    self._drop_idle()
                shared = SharedLimits(limiter, host, limit) if limiter else None
                gate = self._gates[key] = HostGate(host, limit, slots_dir, shared)
            self._users[gate] = self._users.get(gate, 0) + 1
            return gate

    def check_in(self, gate: HostGate) -> None:
        with self._lock:
            self._users[gate] -= 1
            if not self._users[gate]:
                del self._users[gate]

    def _drop_idle(self) -> None:
        for key, gate in list(self._gates.items()):
            if gate not in self._users and gate.idle:
                del self._gates[key]

    def forget_after_fork(self) -> None:
        # Not under the lock: another thread of the parent may have held it at the fork.
        self._lock = threading.Lock()
        self._gates = {}
        self._users = {}


_GATES = _Gates()
# A forked child holds no turns: it must not inherit its parent's waiters and counts.
os.register_at_fork(after_in_child=_GATES.forget_after_fork)


@asynccontextmanager
async def host_turn(
    host: str,
    *,
    limit: int,
    min_delay: float,
    slots_dir: Path | None,
    limiter: Limiter | None = None,
) -> AsyncIterator[None]:
    """Wait for a turn at `host`, shared with every thread of the process (and with every
    process of the machine when `slots_dir` is given, of every machine with a
    `limiter`); hold it for the block. The request starts at least `min_delay` after
    the last one to the host."""
    gate = _GATES.check_out(host, limit, slots_dir, limiter)
    try:
        async with gate.turn(min_delay):
            yield
    finally:
        _GATES.check_in(gate)


def hold_off(
    host: str,
    seconds: float,
    *,
    limit: int,
    slots_dir: Path | None,
    limiter: Limiter | None = None,
) -> None:
    """No request starts to `host` for `seconds`: from this process, or from any with
    the same `limiter`."""
    gate = _GATES.check_out(host, limit, slots_dir, limiter)
    try:
        gate.hold_off(seconds)
    finally:
        _GATES.check_in(gate)
