"""The cross-referencing fetcher against a real loopback server playing the outlets."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from factcheck.crossref import gates
from factcheck.crossref.fetcher import (
    Fetcher,
    FetchFailed,
    FetchPolicy,
    FetchRequest,
    FetchResult,
    fetch_all,
)
from factcheck.crossref.gates import _Turns
from factcheck.net.fetch import USER_AGENT, FailureKind, FetchError
from tests.harness import REDIS_URL, OutletSimulator, RedisServer, free_port

LOOPBACK = ("127.0.0.1", "localhost")
STORY = "<html><body><p>NATO as an institution will join the coalition.</p></body></html>"


def policy(**changes) -> FetchPolicy:
    """Quick enough for tests: no delay between requests, short timeouts and backoff."""
    settings = {
        "allow_hosts": LOOPBACK,
        "per_host_limit": 2,
        "min_delay": 0.0,
        "timeout": 2.0,
        "retries": 2,
        "backoff": 0.01,
        **changes,
    }
    return FetchPolicy(**settings)


def fetch_one(request: str | FetchRequest, **changes) -> FetchResult | FetchError:
    [result] = fetch_all([request], policy(**changes))
    return result


def test_a_page_is_fetched_with_the_honest_user_agent(outlets: OutletSimulator):
    outlets.page("/story", STORY)
    result = fetch_one(outlets.url("/story"))
    assert isinstance(result, FetchResult)
    assert (result.status, result.content_type, result.not_modified) == (200, "text/html", False)
    assert result.text() == STORY
    assert result.fetched_at.tzinfo is not None
    [request] = [r for r in outlets.received if r.path == "/story"]
    assert request.headers["User-Agent"] == USER_AGENT
    assert result.request_headers["user-agent"] == USER_AGENT


def test_results_come_back_in_the_order_asked_with_failures_in_their_place(
    outlets: OutletSimulator,
):
    outlets.page("/a", "<p>a</p>")
    outlets.page("/b", "<p>b</p>")
    results = fetch_all([outlets.url("/a"), outlets.url("/gone"), outlets.url("/b")], policy())
    assert results[0].body == b"<p>a</p>"
    assert isinstance(results[1], FetchFailed) and "answered 404" in str(results[1])
    assert results[2].body == b"<p>b</p>"


def test_the_per_host_limit_is_never_exceeded_and_a_slow_host_does_not_block_another(
    outlets: OutletSimulator,
):
    for number in range(6):
        outlets.page(f"/slow/{number}", STORY, delay=0.3, host="127.0.0.1")
        outlets.page(f"/quick/{number}", STORY, delay=0.05, host="localhost")
    slow = [outlets.url(f"/slow/{n}", host="127.0.0.1") for n in range(6)]
    quick = [outlets.url(f"/quick/{n}", host="localhost") for n in range(6)]
    finished: dict[str, float] = {}

    async def run() -> None:
        async with Fetcher(policy(per_host_limit=2)) as fetcher:

            async def fetch(url: str) -> None:
                await fetcher.fetch(url)
                finished[url] = time.monotonic()

            await asyncio.gather(*(fetch(url) for url in slow + quick))

    started = time.monotonic()
    asyncio.run(run())
    assert outlets.max_concurrency == {"127.0.0.1": 2, "localhost": 2}
    # Six slow pages two at a time take three rounds of 0.3 s; the quick host's three
    # rounds of 0.05 s are done before the first slow round ends.
    assert max(finished[url] for url in slow) - started >= 0.9
    assert max(finished[url] for url in quick) < min(finished[url] for url in slow)


def test_requests_to_one_host_start_at_least_the_minimum_delay_apart(outlets: OutletSimulator):
    for number in range(3):
        outlets.page(f"/p{number}", STORY)
    started = time.monotonic()
    results = fetch_all([outlets.url(f"/p{n}") for n in range(3)], policy(min_delay=0.1))
    assert all(isinstance(r, FetchResult) for r in results)
    assert time.monotonic() - started >= 0.2


def test_robots_txt_is_obeyed_and_read_once_per_host(outlets: OutletSimulator):
    outlets.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    outlets.page("/private/memo", STORY)
    outlets.page("/public/story", STORY)
    refused, allowed, again = fetch_all(
        [outlets.url("/private/memo"), outlets.url("/public/story"), outlets.url("/public/story")],
        policy(),
    )
    assert isinstance(refused, FetchFailed)
    assert "robots.txt of 127.0.0.1 does not allow factcheck" in str(refused)
    assert not refused.retryable
    assert refused.kind == FailureKind.ROBOTS
    assert isinstance(allowed, FetchResult) and isinstance(again, FetchResult)
    assert outlets.requests.count("/robots.txt") == 1
    assert "/private/memo" not in outlets.requests


def test_robots_txt_rules_for_factcheck_apply_to_it(outlets: OutletSimulator):
    outlets.page(
        "/robots.txt",
        "User-agent: factcheck\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
        "text/plain",
    )
    outlets.page("/story", STORY)
    assert "does not allow factcheck" in str(fetch_one(outlets.url("/story")))


def test_a_missing_robots_txt_allows_everything(outlets: OutletSimulator):
    outlets.page("/story", STORY)
    assert isinstance(fetch_one(outlets.url("/story")), FetchResult)
    assert outlets.requests == ["/robots.txt", "/story"]


def test_a_5xx_is_retried_with_backoff_until_it_succeeds(outlets: OutletSimulator):
    unavailable = outlets.answer("<p>busy</p>", status=503)
    outlets.sequence("/flaky", unavailable, unavailable, outlets.answer(STORY))
    result = fetch_one(outlets.url("/flaky"), retries=2)
    assert isinstance(result, FetchResult) and result.status == 200
    assert outlets.requests.count("/flaky") == 3


def test_retries_are_bounded(outlets: OutletSimulator):
    outlets.page("/down", "<p>down</p>", status=500)
    result = fetch_one(outlets.url("/down"), retries=2)
    assert isinstance(result, FetchFailed)
    assert "answered 500" in str(result) and result.retryable
    assert result.kind == FailureKind.HTTP_STATUS
    assert outlets.requests.count("/down") == 3


def test_a_4xx_is_not_retried(outlets: OutletSimulator):
    result = fetch_one(outlets.url("/missing"), retries=3)
    assert isinstance(result, FetchFailed)
    assert (result.status, result.retryable) == (404, False)
    assert outlets.requests.count("/missing") == 1


def test_a_host_that_does_not_answer_in_time_is_an_error(outlets: OutletSimulator):
    outlets.page("/slow", STORY, delay=0.5)
    started = time.monotonic()
    result = fetch_one(outlets.url("/slow"), timeout=0.2, retries=1)
    assert isinstance(result, FetchFailed)
    assert "did not answer within 0.2 seconds" in str(result) and result.retryable
    assert result.kind == FailureKind.TIMEOUT
    assert outlets.requests.count("/slow") == 2
    assert time.monotonic() - started < 1.0


def test_a_host_name_that_does_not_resolve_is_a_dns_failure():
    # .invalid never resolves (RFC 6761): the resolver answers at once, with no network.
    result = fetch_one("http://no-such-outlet.invalid/story")
    assert isinstance(result, FetchError)
    assert "no-such-outlet.invalid could not be found" in str(result)
    assert result.kind == FailureKind.DNS


def test_a_port_nobody_listens_on_is_a_connect_failure():
    result = fetch_one(f"http://127.0.0.1:{free_port()}/story", retries=0)
    assert isinstance(result, FetchFailed)
    assert result.kind == FailureKind.CONNECT and result.retryable


def test_a_robots_txt_that_cannot_be_read_is_a_robots_failure(outlets: OutletSimulator):
    outlets.page("/robots.txt", "down", "text/plain", status=500)
    outlets.page("/story", STORY)
    result = fetch_one(outlets.url("/story"), retries=0)
    assert isinstance(result, FetchFailed)
    assert "does not fetch from a site whose rules it cannot read" in str(result)
    assert result.kind == FailureKind.ROBOTS


def test_a_conditional_request_reports_not_modified(outlets: OutletSimulator):
    outlets.page("/feed", "<rss/>", "application/rss+xml", etag='"v1"')
    outlets.page("/page", STORY, last_modified="Thu, 25 May 2017 10:00:00 GMT")
    first = fetch_one(outlets.url("/feed"))
    assert first.etag == '"v1"' and not first.not_modified
    by_etag = fetch_one(FetchRequest(outlets.url("/feed"), etag=first.etag))
    assert (by_etag.status, by_etag.not_modified, by_etag.body) == (304, True, b"")
    page = fetch_one(outlets.url("/page"))
    by_date = fetch_one(FetchRequest(outlets.url("/page"), last_modified=page.last_modified))
    assert by_date.not_modified
    changed = fetch_one(FetchRequest(outlets.url("/feed"), etag='"v0"'))
    assert (changed.status, changed.body) == (200, b"<rss/>")


def test_redirects_are_followed_and_each_hop_is_checked(outlets: OutletSimulator):
    outlets.redirect("/short", "/story")
    outlets.page("/story", STORY)
    result = fetch_one(outlets.url("/short"))
    assert (result.url, result.final_url) == (outlets.url("/short"), outlets.url("/story"))


def test_a_redirect_to_a_private_address_is_refused(outlets: OutletSimulator):
    outlets.redirect("/moved", "http://127.0.0.2:9/admin")
    result = fetch_one(outlets.url("/moved"))
    assert isinstance(result, FetchError)
    assert "127.0.0.2 points to a private or local address" in str(result)
    assert result.kind == FailureKind.REFUSED
    assert outlets.requests == ["/robots.txt", "/moved"]


def test_a_body_larger_than_the_cap_is_refused(outlets: OutletSimulator):
    outlets.page("/huge", b"x" * 200_000, "text/plain")
    result = fetch_one(outlets.url("/huge"), max_bytes=100_000)
    assert isinstance(result, FetchFailed)
    assert "larger than the limit of 100,000 bytes" in str(result)
    assert result.kind == FailureKind.TOO_LARGE


def test_a_type_factcheck_does_not_read_is_refused(outlets: OutletSimulator):
    outlets.page("/report.pdf", b"%PDF-1.4", "application/pdf")
    result = fetch_one(outlets.url("/report.pdf"))
    assert isinstance(result, FetchFailed)
    assert "is application/pdf, not one of the types factcheck reads" in str(result)
    assert result.kind == FailureKind.MALFORMED


def test_loopback_is_refused_without_the_allow_list(outlets: OutletSimulator):
    outlets.page("/story", STORY)
    result = fetch_one(outlets.url("/story"), allow_hosts=())
    assert "private or local address" in str(result)
    assert outlets.requests == []


def test_with_a_slots_folder_the_per_host_limit_holds_across_processes(outlets, tmp_path):
    """Two processes fetch from one host at once; with a shared slots folder the host
    never sees more than the limit."""
    import subprocess
    import sys
    import textwrap

    outlets.page("/slow", STORY, delay=0.3)
    script = textwrap.dedent(f"""
        from factcheck.crossref.fetcher import FetchPolicy, fetch_all
        from pathlib import Path
        policy = FetchPolicy(allow_hosts=("127.0.0.1",), per_host_limit=2, min_delay=0,
                             obey_robots=False, slots_dir=Path({str(tmp_path)!r}))
        results = fetch_all(["{outlets.url("/slow")}"] * 4, policy)
        assert all(r.status == 200 for r in results), results
    """)
    runs = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(2)]
    assert [run.wait(timeout=60) for run in runs] == [0, 0]
    assert outlets.max_concurrency["127.0.0.1"] == 2


@pytest.fixture
def shared_redis(tmp_path) -> Iterator[str]:
    """A Redis for the limits of workers on many machines: CI's, else a private one."""
    if REDIS_URL:
        yield REDIS_URL
        return
    if shutil.which("redis-server") is None:
        pytest.skip("no Redis to share limits through")
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def machines_fetching(outlets: OutletSimulator, redis_url: str, *, urls: int, **policy) -> None:
    """Two worker processes with nothing in common but the Redis (no slots folder, as on
    two machines) fetch `urls` pages each from one host at once."""
    script = textwrap.dedent(f"""
        from factcheck.crossref.fetcher import FetchPolicy, fetch_all
        policy = FetchPolicy(allow_hosts=("127.0.0.1",), obey_robots=False,
                             limiter_url={redis_url!r}, **{policy!r})
        results = fetch_all(["{outlets.url("/slow")}"] * {urls}, policy)
        assert all(r.status == 200 for r in results), results
    """)
    runs = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(2)]
    assert [run.wait(timeout=60) for run in runs] == [0, 0]


def test_with_a_shared_redis_the_per_host_limit_holds_across_machines(outlets, shared_redis):
    outlets.page("/slow", STORY, delay=0.3)

    machines_fetching(outlets, shared_redis, urls=4, per_host_limit=2, min_delay=0)

    assert len(outlets.requests) == 8
    assert outlets.max_concurrency["127.0.0.1"] == 2


def test_with_a_shared_redis_starts_keep_the_minimum_delay_across_machines(outlets, shared_redis):
    outlets.page("/slow", STORY)

    machines_fetching(outlets, shared_redis, urls=3, per_host_limit=4, min_delay=0.25)

    starts = sorted(request.at for request in outlets.received)
    assert len(starts) == 6
    # Starts are reserved 0.25 s apart across both processes; a loaded machine may send
    # one a little late, so the gaps are checked loosely and the whole span strictly.
    assert min(later - earlier for earlier, later in itertools.pairwise(starts)) >= 0.1
    assert starts[-1] - starts[0] >= 5 * 0.25 * 0.9


def test_robots_txt_is_read_once_per_process_across_batches(outlets: OutletSimulator):
    outlets.page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    outlets.page("/story", STORY)
    rules = FetchPolicy(allow_hosts=("127.0.0.1",), min_delay=0)
    fetch_all([outlets.url("/story")], rules)
    fetch_all([outlets.url("/story")], rules)
    assert outlets.requests.count("/robots.txt") == 1


def test_the_per_host_limit_and_delay_hold_across_the_threads_of_a_process(
    outlets: OutletSimulator,
):
    """Each gathering task runs its own event loop in its own thread: the host still sees
    no more than the limit, and starts still come the minimum delay apart."""
    for number in range(8):
        outlets.page(f"/slow/{number}", STORY, delay=0.2)

    def batch(first: int) -> list[FetchResult | FetchError]:
        urls = [outlets.url(f"/slow/{n}") for n in range(first, first + 2)]
        return fetch_all(urls, policy(per_host_limit=2, min_delay=0.1))

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        results = [r for found in pool.map(batch, (0, 2, 4, 6)) for r in found]
    assert all(isinstance(r, FetchResult) for r in results)
    assert outlets.max_concurrency["127.0.0.1"] == 2
    # Eight starts 0.1 s apart, whichever thread asked.
    assert time.monotonic() - started >= 0.7


@pytest.mark.parametrize("granted_first", [False, True])
def test_a_request_that_gives_up_waiting_passes_its_turn_on(granted_first: bool):
    async def run() -> None:
        turns = _Turns(1)
        await turns.acquire()
        gives_up = asyncio.create_task(turns.acquire())
        waits = asyncio.create_task(turns.acquire())
        await asyncio.sleep(0)
        if granted_first:  # the turn is handed over as the first waiter gives up
            turns.release()
            gives_up.cancel()
        else:
            gives_up.cancel()
            await asyncio.sleep(0)
            turns.release()
        await asyncio.wait_for(waits, timeout=1)
        turns.release()
        assert turns.idle

    asyncio.run(run())


def test_a_process_keeps_the_gates_of_hosts_in_use_and_drops_idle_ones(monkeypatch):
    monkeypatch.setattr(gates, "MAX_GATES", 3)
    kept = gates._Gates()
    busy = kept.check_out("busy.example", 2, None, None)
    for number in range(10):
        kept.check_in(kept.check_out(f"host{number}.example", 2, None, None))
    assert len(kept._gates) <= 3
    assert kept.check_out("busy.example", 2, None, None) is busy


def test_a_429_is_retried_after_the_pause_its_retry_after_asks_for(outlets: OutletSimulator):
    busy = outlets.answer("<p>slow down</p>", status=429, headers={"Retry-After": "1"})
    outlets.sequence("/busy", busy, outlets.answer(STORY))
    started = time.monotonic()
    result = fetch_one(outlets.url("/busy"), retries=2)
    assert isinstance(result, FetchResult) and result.status == 200
    assert time.monotonic() - started >= 1.0
    assert outlets.requests.count("/busy") == 2


def test_a_503_may_give_its_retry_after_as_a_date(outlets: OutletSimulator):
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    down = outlets.answer("<p>maintenance</p>", status=503, headers={"Retry-After": later})
    outlets.sequence("/maintenance", down, outlets.answer(STORY))
    started = time.monotonic()
    result = fetch_one(outlets.url("/maintenance"), retries=1)
    assert isinstance(result, FetchResult)
    assert time.monotonic() - started >= 1.0  # the date has whole seconds


def test_a_retry_after_longer_than_the_bound_fails_at_once(outlets: OutletSimulator):
    outlets.page("/closed", "<p>later</p>", status=503, headers={"Retry-After": "3600"})
    started = time.monotonic()
    result = fetch_one(outlets.url("/closed"), retries=3, max_retry_after=5)
    assert isinstance(result, FetchFailed) and result.retryable
    assert "asked factcheck to come back in 3600 seconds" in str(result)
    assert outlets.requests.count("/closed") == 1
    assert time.monotonic() - started < 1.0


def test_while_a_host_asks_for_a_pause_no_request_of_the_process_starts(
    outlets: OutletSimulator,
):
    busy = outlets.answer("<p>slow down</p>", status=429, headers={"Retry-After": "1"})
    outlets.sequence("/busy", busy, outlets.answer(STORY))
    outlets.page("/other", STORY)

    async def run() -> float:
        async with Fetcher(policy(per_host_limit=4)) as fetcher:
            first = asyncio.create_task(fetcher.fetch(outlets.url("/busy")))
            await asyncio.sleep(0.3)  # the 429 has come back by now
            asked = time.monotonic()
            await fetcher.fetch(outlets.url("/other"))
            waited = time.monotonic() - asked
            await first
            return waited

    assert asyncio.run(run()) >= 0.5


def test_robots_txt_crawl_delay_spaces_requests_up_to_a_bound(outlets: OutletSimulator):
    # A fraction is rounded up to whole seconds (2 here), then bounded (to 0.3 s).
    outlets.page("/robots.txt", "User-agent: *\nCrawl-delay: 1.5\n", "text/plain")
    for number in range(3):
        outlets.page(f"/p{number}", STORY)
    started = time.monotonic()
    results = fetch_all(
        [outlets.url(f"/p{n}") for n in range(3)], policy(min_delay=0, max_crawl_delay=0.3)
    )
    assert all(isinstance(r, FetchResult) for r in results)
    assert 0.6 <= time.monotonic() - started < 1.5


def test_robots_txt_crawl_delay_within_the_bound_is_kept(outlets: OutletSimulator):
    outlets.page("/robots.txt", "User-agent: *\nCrawl-delay: 1\n", "text/plain")
    for number in range(2):
        outlets.page(f"/q{number}", STORY)
    started = time.monotonic()
    fetch_all([outlets.url(f"/q{n}") for n in range(2)], policy(min_delay=0))
    assert time.monotonic() - started >= 1.0


@pytest.mark.parametrize("header", [{"Retry-After": "²"}, {"Retry-After": "soon"}])
def test_a_malformed_retry_after_is_an_ordinary_retryable_failure(outlets: OutletSimulator, header):
    outlets.page("/busy", "<p>busy</p>", status=503, headers=header)

    result = fetch_one(outlets.url("/busy"), retries=0)

    assert isinstance(result, FetchFailed) and result.retryable


def test_installs_sharing_one_redis_keep_their_limits_apart(shared_redis):
    host = f"apart-{time.monotonic_ns()}.example"
    ours = gates.SharedLimits(gates.Limiter(shared_redis, "ours:"), host, 1)
    theirs = gates.SharedLimits(gates.Limiter(shared_redis, "theirs:"), host, 1)

    token = ours.try_slot()

    assert token is not None
    assert ours.try_slot() is None  # our one slot is taken
    assert theirs.try_slot() is not None  # another install's is not
    ours.release(token)
    assert ours.try_slot() is not None


def test_an_unreachable_limiter_stops_the_batch_instead_of_failing_each_page(
    outlets: OutletSimulator,
):
    outlets.page("/story", STORY)
    closed = f"redis://127.0.0.1:{free_port()}/0"
    policy = FetchPolicy(
        allow_hosts=("127.0.0.1",), obey_robots=False, min_delay=0, limiter_url=closed
    )

    with pytest.raises(gates.LimiterUnavailable, match="cannot be reached"):
        fetch_all([outlets.url("/story")], policy)
    assert outlets.requests == []
