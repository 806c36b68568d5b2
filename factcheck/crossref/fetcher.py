"""The asynchronous fetcher that cross-referencing goes through: the same address rules,
User-Agent and redirect policy as `factcheck.net.fetch`, plus what crawling many outlets at
once needs.

Each host has its own limit of concurrent requests and its own minimum delay between
request starts, held across the threads of the process (see `gates`), so one slow host
never holds up the others. robots.txt is read once per origin and obeyed, its
Crawl-delay too (up to a bound). Timeouts, network errors, 5xx and 429 answers are
retried a bounded number of times, with exponential backoff or after the pause a
Retry-After header asks for (up to a bound; meanwhile no request of the process starts to
that host); other 4xx answers are not. Given the ETag or Last-Modified of an earlier
fetch, the request is conditional and a 304 comes back as `not_modified`.

Use `Fetcher` inside a running event loop, or `fetch_all` from synchronous code (a
Celery task).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import ssl
import threading
import time
import urllib.robotparser
from collections.abc import Collection, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Generic, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from factcheck.crossref.gates import Limiter, LimiterUnavailable, hold_off, host_turn
from factcheck.net.fetch import (
    MAX_REDIRECTS,
    USER_AGENT,
    AsyncPinnedTransport,
    FailureKind,
    FetchError,
    check_url,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")
# A sitemap.xml.gz, served as a file: read for discovery only, never as a page.
GZIP_TYPES = ("application/gzip", "application/x-gzip", "application/octet-stream")
# RFC 9309 lets crawlers keep robots.txt rules for up to a day; an hour stays polite.
ROBOTS_TTL = 3600.0
ROBOTS_CACHE_SIZE = 1000  # origins a worker process keeps rules for
# RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt.
ROBOTS_MAX_BYTES = 512 * 1024
UNREACHABLE = frozenset({FailureKind.DNS, FailureKind.CONNECT, FailureKind.TIMEOUT})


class FetchFailed(FetchError):
    """A fetch failed; `retryable` says whether trying again later may succeed (timeouts,
    network errors, 5xx, 429 Too Many Requests) or not (other 4xx, refused addresses,
    robots.txt, size, type). `retry_after` is the pause in seconds the server asked for
    (its Retry-After header on a 429 or 503), if it asked for one."""

    def __init__(
        self,
        message: str,
        *,
        url: str,
        retryable: bool = False,
        status: int = 0,
        retry_after: float | None = None,
        kind: FailureKind = FailureKind.OTHER,
    ):
        super().__init__(message, kind=kind)
        self.url = url
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class FetchRequest:
    """A URL, with the validators of an earlier fetch for a conditional request."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """One fetched response. `headers` have lower-case names; on a 304 `not_modified` is
    True and `body` is empty. `request_headers` are what was sent, for the archive."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    content_type: str
    fetched_at: datetime
    not_modified: bool = False
    reason: str = ""
    http_version: str = "HTTP/1.1"
    request_headers: dict[str, str] = field(default_factory=dict)
    # An archived copy of a page gone from its site: the archive it came from and the
    # memento's own address (`fetched_at` is then the archive's capture time).
    archived_by: str | None = None
    memento_url: str | None = None

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def text(self) -> str:
        """The body decoded by its declared charset, else UTF-8, never failing."""
        charset = httpx.Headers(self.headers).get("content-type", "").partition("charset=")[2]
        try:
            return self.body.decode(charset.strip(' "') or "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how far to fetch. Delays and timeouts are in seconds; `timeout`
    bounds one attempt (connecting, waiting and reading the body)."""

    allow_hosts: Collection[str] = ()
    per_host_limit: int = 2
    min_delay: float = 1.0
    timeout: float = 10.0
    max_bytes: int = 5 * 1_048_576
    retries: int = 2
    backoff: float = 0.5
    content_types: tuple[str, ...] = PAGE_TYPES + FEED_TYPES
    obey_robots: bool = True
    user_agent: str = USER_AGENT
    # A folder shared by the worker processes of one machine: with it, `per_host_limit`
    # holds across all of them (each slot is a file lock), not only within one process.
    slots_dir: Path | None = None
    # A Redis shared by workers on many machines: with it, `per_host_limit` and
    # `min_delay` hold across all of them (and replace the slots folder).
    limiter_url: str | None = None
    limiter_prefix: str = ""  # of the Redis keys: several installs may share one Redis
    # The longest pause a server's Retry-After is granted before a retry; one asking for
    # longer fails the fetch at once (retryable: a later gathering may try again).
    max_retry_after: float = 30.0
    # A robots.txt Crawl-delay becomes the host's min_delay when longer, up to this: a
    # site asking for minutes between requests would hold a claim's gathering for hours.
    max_crawl_delay: float = 10.0
    # Hosts with a minimum delay of their own instead of `min_delay`: the APIs of the
    # discovery routes (a web archive, a news search) ask for their own pace.
    host_delays: tuple[tuple[str, float], ...] = ()

    def min_delay_for(self, host: str) -> float:
        return next((delay for name, delay in self.host_delays if name == host), self.min_delay)


@dataclass(frozen=True)
class _Answer:
    url: str
    response: httpx.Response
    body: bytes


class Fetcher:
    """The fetcher; use as `async with Fetcher(policy) as fetcher: await fetcher.fetch(url)`."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._limiter = _limiter(self.policy)
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        # A robots.txt that could not be read fails every URL of its origin at once, for
        # the rest of this fetcher's batch, instead of being asked for again per URL.
        self._robots_failed: dict[str, FetchFailed] = {}
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(self.policy.timeout, connect=min(self.policy.timeout, 5.0)),
            headers={"User-Agent": self.policy.user_agent},
            # The transport holds the connection settings (a client's own are not used).
            transport=AsyncPinnedTransport(
                allow_hosts=self.policy.allow_hosts,
                verify=_tls_context(),
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=32),
            ),
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(
        self, request: str | FetchRequest, *, content_types: tuple[str, ...] | None = None
    ) -> FetchResult:
        """GET a URL, following redirects with every hop re-checked; raise FetchFailed
        (or FetchError from the address rules) with a message fit for a person."""
        request = FetchRequest(request) if isinstance(request, str) else request
        return await self._fetch(
            request,
            content_types=content_types or self.policy.content_types,
            max_bytes=self.policy.max_bytes,
            robots=self.policy.obey_robots,
        )

    async def fetch_or_error(
        self, request: str | FetchRequest, *, content_types: tuple[str, ...] | None = None
    ) -> FetchResult | FetchError:
        """Like `fetch`, but a failure is returned instead of raised (for gathering)."""
        try:
            return await self.fetch(request, content_types=content_types)
        except FetchError as error:
            return error
        except LimiterUnavailable:
            raise  # not this URL's failure: the whole batch waits for the limits to return
        except Exception as error:
            # An answer no rule foresaw fails its own URL, not the batch around it.
            url = request if isinstance(request, str) else request.url
            log.exception("fetching %s failed unexpectedly", url)
            return FetchFailed(
                f"{url} could not be fetched ({type(error).__name__}: {error}).", url=url
            )

    async def sitemaps_of(self, origin: str) -> list[str]:
        """The sitemaps named by the Sitemap lines of the origin's robots.txt, read (and
        kept) once with its rules; raise FetchFailed when it cannot be read."""
        origin = origin.rstrip("/")
        await asyncio.to_thread(
            check_url, f"{origin}/robots.txt", allow_hosts=self.policy.allow_hosts
        )
        await self._robots_allow(f"{origin}/")
        return list(self._robots[origin].site_maps() or [])

    async def sitemaps_or_error(self, origin: str) -> list[str] | FetchError:
        """Like `sitemaps_of`, but a failure is returned instead of raised."""
        try:
            return await self.sitemaps_of(origin)
        except FetchError as error:
            return error
        except LimiterUnavailable:
            raise
        except Exception as error:
            log.exception("reading the robots.txt of %s failed unexpectedly", origin)
            return FetchFailed(
                f"The robots.txt of {origin} could not be read ({type(error).__name__}).",
                url=f"{origin}/robots.txt",
            )

    async def _fetch(
        self,
        request: FetchRequest,
        *,
        content_types: tuple[str, ...] | None,
        max_bytes: int,
        robots: bool,
    ) -> FetchResult:
        url = request.url
        for _hop in range(MAX_REDIRECTS + 1):
            await asyncio.to_thread(check_url, url, allow_hosts=self.policy.allow_hosts)
            if robots and not await self._robots_allow(url):
                host = urlsplit(url).hostname
                raise FetchFailed(
                    f"The robots.txt of {host} does not allow factcheck to fetch {url}.",
                    url=url,
                    kind=FailureKind.ROBOTS,
                )
            answer = await self._get_with_retries(url, request, content_types, max_bytes)
            if not answer.response.has_redirect_location:
                return _result(request.url, answer)
            url = urljoin(url, answer.response.headers["location"])
        raise FetchFailed(f"{request.url} redirects more than {MAX_REDIRECTS} times.", url=url)

    async def _get_with_retries(
        self,
        url: str,
        request: FetchRequest,
        content_types: tuple[str, ...] | None,
        max_bytes: int,
    ) -> _Answer:
        for attempt in range(self.policy.retries + 1):
            try:
                return await self._get_once(url, request, content_types, max_bytes)
            except FetchFailed as error:
                if not error.retryable or attempt == self.policy.retries:
                    raise
                wait = self._wait_before_retry(url, error, attempt)
            # The host slot is released while waiting, so others may use it meanwhile.
            await asyncio.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait_before_retry(self, url: str, error: FetchFailed, attempt: int) -> float:
        """The backoff, or the pause the server asked for if longer (then every request
        of this process to the host waits it out); a pause too long fails at once."""
        backoff = self.policy.backoff * 2**attempt
        if error.retry_after is None:
            return backoff
        if error.retry_after > self.policy.max_retry_after:
            raise FetchFailed(
                f"{url} answered {error.status} and asked factcheck to come back in "
                f"{error.retry_after:.0f} seconds, longer than the "
                f"{self.policy.max_retry_after:g} it waits.",
                url=url,
                retryable=True,
                status=error.status,
                retry_after=error.retry_after,
                kind=FailureKind.HTTP_STATUS,
            ) from error
        hold_off(
            _host(url),
            error.retry_after,
            limit=self.policy.per_host_limit,
            slots_dir=self.policy.slots_dir,
            limiter=self._limiter,
        )
        return max(backoff, error.retry_after)

    async def _get_once(
        self,
        url: str,
        request: FetchRequest,
        content_types: tuple[str, ...] | None,
        max_bytes: int,
    ) -> _Answer:
        assert self._client is not None, "use Fetcher inside `async with`"
        async with self._turn(url):
            try:
                async with asyncio.timeout(self.policy.timeout):
                    headers = _conditional_headers(request)
                    async with self._client.stream("GET", url, headers=headers) as response:
                        _check_status(url, response, content_types)
                        body = await _read_capped(url, response, max_bytes)
                        return _Answer(url, response, body)
            except (TimeoutError, httpx.TimeoutException) as error:
                raise FetchFailed(
                    f"{url} did not answer within {self.policy.timeout:g} seconds.",
                    url=url,
                    retryable=True,
                    kind=FailureKind.TIMEOUT,
                ) from error
            except httpx.NetworkError as error:
                raise FetchFailed(
                    f"{url} could not be reached ({error}).",
                    url=url,
                    retryable=True,
                    kind=FailureKind.CONNECT,
                ) from error
            except httpx.HTTPError as error:
                raise FetchFailed(f"{url} could not be fetched: {error}.", url=url) from error

    def _turn(self, url: str) -> AbstractAsyncContextManager[None]:
        # Shared with every thread of the process: each task runs its own event loop.
        return host_turn(
            _host(url),
            limit=self.policy.per_host_limit,
            min_delay=max(self.policy.min_delay_for(_host(url)), self._crawl_delay(url)),
            slots_dir=self.policy.slots_dir,
            limiter=self._limiter,
        )

    def _crawl_delay(self, url: str) -> float:
        """The Crawl-delay of the origin's robots.txt (once read), up to max_crawl_delay."""
        parts = urlsplit(url)
        rules = self._robots.get(f"{parts.scheme}://{parts.netloc}")
        delay = rules.crawl_delay(self.policy.user_agent) if rules else None
        return min(float(delay), self.policy.max_crawl_delay) if delay else 0.0

    async def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            # One read per origin, however many requests arrive for it at once, and one
            # per process within ROBOTS_TTL: a worker's next batch reuses the rules.
            async with self._robots_locks.setdefault(origin, asyncio.Lock()):
                failed = self._robots_failed.get(origin) or _ROBOTS_FAILED.get(origin)
                if failed is not None:
                    raise failed
                if origin not in self._robots:
                    rules = _ROBOTS_READ.get(origin)
                    if rules is None:
                        try:
                            rules = await self._read_robots(origin)
                        except FetchFailed as error:
                            self._robots_failed[origin] = error
                            _ROBOTS_FAILED.put(origin, error)
                            raise
                        _ROBOTS_READ.put(origin, rules)
                    self._robots[origin] = rules
        return self._robots[origin].can_fetch(self.policy.user_agent, url)

    async def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser:
        rules = urllib.robotparser.RobotFileParser(f"{origin}/robots.txt")
        try:
            result = await self._fetch(
                FetchRequest(f"{origin}/robots.txt"),
                content_types=None,
                max_bytes=ROBOTS_MAX_BYTES,
                robots=False,
            )
        except FetchFailed as error:
            if 400 <= error.status < 500:
                # RFC 9309: a robots.txt that is not there allows everything.
                rules.allow_all = True
                return rules
            raise FetchFailed(
                f"The robots.txt of {origin} could not be read ({error}); factcheck does not "
                "fetch from a site whose rules it cannot read.",
                url=error.url,
                retryable=error.retryable,
                # A host that cannot be reached at all fails for that reason, not its rules.
                kind=error.kind if error.kind in UNREACHABLE else FailureKind.ROBOTS,
            ) from error
        rules.parse(_whole_crawl_delays(result.text().splitlines()))
        return rules


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS settings, made once per process: loading the CA bundle took
    a third of a gathering worker's CPU when every batch made its own."""
    return httpx.create_ssl_context()


class _RobotsCache(Generic[T]):
    """What this process learnt of origins' robots.txt (their rules, or why they could
    not be read), each kept for `ttl` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._rules: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def get(self, origin: str) -> T | None:
        with self._lock:
            found = self._rules.get(origin)
        return found[1] if found and time.monotonic() - found[0] < self.ttl else None

    def put(self, origin: str, rules: T) -> None:
        with self._lock:
            if len(self._rules) >= ROBOTS_CACHE_SIZE:
                oldest = min(self._rules, key=lambda key: self._rules[key][0])
                del self._rules[oldest]
            self._rules[origin] = (time.monotonic(), rules)


_ROBOTS_READ: _RobotsCache[urllib.robotparser.RobotFileParser] = _RobotsCache(ROBOTS_TTL)
# A robots.txt that could not be read is not asked for again for a minute: the routes
# and the pages of one gathering meet it one after the other.
ROBOTS_FAILURE_TTL = 60.0
_ROBOTS_FAILED: _RobotsCache[FetchFailed] = _RobotsCache(ROBOTS_FAILURE_TTL)


_CRAWL_DELAY = re.compile(r"^\s*crawl-delay\s*:\s*(\d*\.\d+)\s*(#.*)?$", re.IGNORECASE)


def _whole_crawl_delays(lines: list[str]) -> list[str]:
    """The lines with a fractional Crawl-delay rounded up to whole seconds: the standard
    library's parser reads only whole numbers and would drop "Crawl-delay: 0.5"."""
    return [
        f"Crawl-delay: {math.ceil(float(match.group(1)))}"
        if (match := _CRAWL_DELAY.match(line))
        else line
        for line in lines
    ]


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds a Retry-After header asks to wait (a number or an HTTP date), if any."""
    value = response.headers.get("retry-after", "").strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is True, int("²") fails
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _conditional_headers(request: FetchRequest) -> dict[str, str]:
    headers = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    return headers


def _check_status(
    url: str, response: httpx.Response, content_types: tuple[str, ...] | None
) -> None:
    status = response.status_code
    if response.has_redirect_location or status == 304:
        return
    if status >= 400:
        raise FetchFailed(
            f"{url} answered {status} {response.reason_phrase}.",
            url=url,
            retryable=status >= 500 or status == 429,
            status=status,
            retry_after=_retry_after(response) if status in (429, 503) else None,
            kind=FailureKind.HTTP_STATUS,
        )
    content_type = _media_type(response)
    if content_types is not None and content_type not in content_types:
        raise FetchFailed(
            f"{url} is {content_type or 'of an unknown type'}, not one of the types factcheck "
            f"reads here ({', '.join(content_types)}).",
            url=url,
            status=status,
            kind=FailureKind.MALFORMED,
        )


async def _read_capped(url: str, response: httpx.Response, max_bytes: int) -> bytes:
    too_large = f"{url} is larger than the limit of {max_bytes:,} bytes."
    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed(
            too_large, url=url, status=response.status_code, kind=FailureKind.TOO_LARGE
        )
    body = bytearray()
    # Decoded bytes are counted, so a small gzip bomb cannot expand past the cap.
    async for chunk in response.aiter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise FetchFailed(
                too_large, url=url, status=response.status_code, kind=FailureKind.TOO_LARGE
            )
    return bytes(body)


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _result(requested_url: str, answer: _Answer) -> FetchResult:
    response = answer.response
    return FetchResult(
        url=requested_url,
        final_url=answer.url,
        status=response.status_code,
        headers=dict(response.headers.items()),
        body=answer.body,
        content_type=_media_type(response),
        fetched_at=datetime.now(UTC),
        not_modified=response.status_code == 304,
        reason=response.reason_phrase,
        http_version=response.http_version,
        request_headers=dict(response.request.headers.items()),
    )


def _limiter(policy: FetchPolicy) -> Limiter | None:
    """The shared limits, with a slot held no longer than a request may wait and try:
    a pause the host asked for, the Crawl-delays of those ahead, one attempt, a margin."""
    if not policy.limiter_url:
        return None
    longest = (
        policy.max_retry_after
        + policy.per_host_limit
        * max(policy.min_delay, policy.max_crawl_delay, *(d for _h, d in policy.host_delays))
        + policy.timeout
    )
    return Limiter(policy.limiter_url, policy.limiter_prefix, lease=longest + 30.0)


def fetch_all(
    requests: Iterable[str | FetchRequest], policy: FetchPolicy | None = None
) -> list[FetchResult | FetchError]:
    """Fetch a batch concurrently from synchronous code (a Celery task): one result or
    error per request, in the order given. Must not be called from a running event loop."""

    async def run() -> list[FetchResult | FetchError]:
        async with Fetcher(policy) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch_or_error(r) for r in requests)))

    return asyncio.run(run())


def robots_sitemaps(
    origins: Iterable[str], policy: FetchPolicy | None = None
) -> dict[str, list[str] | FetchError]:
    """The sitemaps each origin's robots.txt names, or why it could not be read; from
    synchronous code, like `fetch_all`."""
    unique = list(dict.fromkeys(origins))

    async def run() -> list[list[str] | FetchError]:
        async with Fetcher(policy) as fetcher:
            return list(await asyncio.gather(*(fetcher.sitemaps_or_error(o) for o in unique)))

    return dict(zip(unique, asyncio.run(run()), strict=True)) if unique else {}
