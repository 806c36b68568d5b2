"""The one place where factcheck fetches from outside: address rules, redirects
re-checked at every hop, timeouts, a size cap and a content-type check."""

from __future__ import annotations

import asyncio
import enum
import ipaddress
import socket
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from factcheck import __version__
from factcheck.errors import UserError

USER_AGENT = f"factcheck/{__version__} (newsroom fact-checking tool)"
MAX_REDIRECTS = 5
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class FailureKind(enum.StrEnum):
    """Why a fetch failed, in a word a program can count and a page can explain."""

    DNS = "dns"  # the host name could not be found
    CONNECT = "connect"  # no connection: refused, reset or unreachable
    TIMEOUT = "timeout"
    HTTP_STATUS = "http_status"  # the server answered with an error status
    ROBOTS = "robots"  # robots.txt forbids the fetch, or could not be read
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"  # an answer that cannot be read as what was asked for
    REFUSED = "refused"  # an address factcheck does not fetch (private, not http)
    OTHER = "other"


FAILURE_LABELS = {
    FailureKind.DNS: "host not found (DNS)",
    FailureKind.CONNECT: "could not connect",
    FailureKind.TIMEOUT: "timed out",
    FailureKind.HTTP_STATUS: "HTTP error",
    FailureKind.ROBOTS: "robots.txt",
    FailureKind.TOO_LARGE: "too large",
    FailureKind.MALFORMED: "unreadable answer",
    FailureKind.REFUSED: "address refused",
    FailureKind.OTHER: "failed",
}


class FetchError(UserError):
    """A URL could not be fetched; the message is fit to show to the person who gave it,
    `kind` says why in a word."""

    status_code = 422
    retryable = False  # whether trying again later may succeed (see crossref.fetcher)

    def __init__(self, message: str, *, kind: FailureKind = FailureKind.OTHER) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class FetchedPage:
    url: str
    status: int
    content_type: str
    text: str


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _addresses(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(f"The host {host} could not be found.", kind=FailureKind.DNS) from error
    found = (ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos)
    return list(dict.fromkeys(found))  # once each, in the resolver's order of preference


def _public(host: str, addresses: Iterable[Address]) -> list[str]:
    """The addresses as strings, if every one is public; else a FetchError."""
    checked = []
    for address in addresses:
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"{host} points to a private or local address ({address}); factcheck fetches "
                "only public web pages.",
                kind=FailureKind.REFUSED,
            )
        checked.append(str(address))
    return checked


def check_url(url: str, *, allow_hosts: Collection[str]) -> None:
    """Refuse URLs that are not http(s) or that lead to a non-public address, unless
    their host is on the allow-list. (The connection checks its address again: see
    PinnedTransport.)"""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(
            f"{url!r} is not a web address (it must start with http:// or https://).",
            kind=FailureKind.REFUSED,
        )
    host = parts.hostname.lower()
    if host in allow_hosts:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    _public(host, _addresses(host, port))


class _PinnedBackend(httpcore.SyncBackend):
    """Connects only to an address it has just checked. Checking a URL and then letting
    the connection resolve its host again would let a DNS answer that changes in between
    (DNS rebinding) lead to a private address; here one resolution serves both. TLS still
    verifies the certificate against the host name."""

    def __init__(self, allow_hosts: Collection[str]) -> None:
        self.allow_hosts = frozenset(allow_hosts)

    def connect_tcp(
        self, host: str, port: int, *args: Any, **kwargs: Any
    ) -> httpcore.NetworkStream:
        if host.lower() in self.allow_hosts:
            return super().connect_tcp(host, port, *args, **kwargs)
        error: Exception | None = None
        for address in _public(host, _addresses(host, port)):
            try:
                return super().connect_tcp(address, port, *args, **kwargs)
            except httpcore.ConnectError as failed:
                error = failed
        raise error or httpcore.ConnectError(f"{host} has no address")


class _AsyncPinnedBackend(httpcore.AnyIOBackend):
    """_PinnedBackend for asyncio clients."""

    def __init__(self, allow_hosts: Collection[str]) -> None:
        self.allow_hosts = frozenset(allow_hosts)

    async def connect_tcp(
        self, host: str, port: int, *args: Any, **kwargs: Any
    ) -> httpcore.AsyncNetworkStream:
        if host.lower() in self.allow_hosts:
            return await super().connect_tcp(host, port, *args, **kwargs)
        addresses = await asyncio.to_thread(_addresses, host, port)
        error: Exception | None = None
        for address in _public(host, addresses):
            try:
                return await super().connect_tcp(address, port, *args, **kwargs)
            except httpcore.ConnectError as failed:
                error = failed
        raise error or httpcore.ConnectError(f"{host} has no address")


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport, connecting only to checked public addresses (or allowed hosts)."""

    def __init__(self, *, allow_hosts: Collection[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # httpx has no parameter for httpcore's network backend; its pool takes one.
        self._pool._network_backend = _PinnedBackend(allow_hosts)


class AsyncPinnedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, *, allow_hosts: Collection[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pool._network_backend = _AsyncPinnedBackend(allow_hosts)


@dataclass(frozen=True)
class _Deadline:
    """One fetch's whole time: read timeouts bound each wait, and a server that sends a
    few bytes just within each would otherwise hold the fetch for as long as it likes."""

    seconds: float
    ends_at: float

    @classmethod
    def starting_now(cls, seconds: float) -> _Deadline:
        return cls(seconds, time.monotonic() + seconds)

    def check(self, url: str) -> None:
        if time.monotonic() > self.ends_at:
            raise FetchError(
                f"{url} did not arrive within {self.seconds:g} seconds.", kind=FailureKind.TIMEOUT
            )


def _read_capped(response: httpx.Response, max_bytes: int, deadline: _Deadline) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            f"The page is larger than the {max_bytes // 1_048_576} MB limit.",
            kind=FailureKind.TOO_LARGE,
        )
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise FetchError(
                f"The page is larger than the {max_bytes // 1_048_576} MB limit.",
                kind=FailureKind.TOO_LARGE,
            )
        deadline.check(str(response.url))
    return bytes(body)


def fetch_page(
    url: str,
    *,
    allow_hosts: Collection[str] = (),
    timeout: float = 10.0,
    max_bytes: int = 5 * 1_048_576,
    deadline: float = 30.0,
) -> FetchedPage:
    """GET a web page's text, following at most MAX_REDIRECTS redirects; `timeout` bounds
    each connect and read, `deadline` the whole fetch."""
    within = _Deadline.starting_now(deadline)
    with httpx.Client(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.9"},
        transport=PinnedTransport(allow_hosts=allow_hosts),
    ) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url, allow_hosts=allow_hosts)
            within.check(url)
            try:
                with client.stream("GET", url) as response:
                    if response.has_redirect_location:
                        url = urljoin(url, response.headers["location"])
                        continue
                    return _page_from(response, url, max_bytes, within)
            except httpx.TimeoutException as error:
                raise FetchError(
                    f"{url} did not answer within {timeout:g} seconds.", kind=FailureKind.TIMEOUT
                ) from error
            except httpx.NetworkError as error:
                raise FetchError(
                    f"{url} could not be fetched: {error}.", kind=FailureKind.CONNECT
                ) from error
            except httpx.HTTPError as error:
                raise FetchError(f"{url} could not be fetched: {error}.") from error
    raise FetchError(f"{url} redirects more than {MAX_REDIRECTS} times.")


def _page_from(
    response: httpx.Response, url: str, max_bytes: int, deadline: _Deadline
) -> FetchedPage:
    if response.status_code >= 300:
        raise FetchError(
            f"{url} answered {response.status_code} {response.reason_phrase}.",
            kind=FailureKind.HTTP_STATUS,
        )
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in TEXT_TYPES:
        raise FetchError(
            f"{url} is {content_type or 'of an unknown type'}, not a web page or text.",
            kind=FailureKind.MALFORMED,
        )
    body = _read_capped(response, max_bytes, deadline)
    encoding = response.charset_encoding or "utf-8"
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    return FetchedPage(url=url, status=response.status_code, content_type=content_type, text=text)
