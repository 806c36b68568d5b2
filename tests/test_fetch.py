"""The outbound client: only public addresses, every redirect re-checked, limits held."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from factcheck.crossref import FetchPolicy
from factcheck.crossref.fetcher import Fetcher
from factcheck.net.fetch import AsyncPinnedTransport, FetchError, check_url, fetch_page
from tests.harness import OutletSimulator

LOOPBACK = ("127.0.0.1",)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8080/x",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://172.16.5.4/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
    ],
)
def test_non_public_addresses_are_refused(url):
    with pytest.raises(FetchError, match="private or local address"):
        check_url(url, allow_hosts=())


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/", "javascript:alert(1)", "http://"]
)
def test_only_http_and_https_urls_are_fetched(url):
    with pytest.raises(FetchError, match="not a web address"):
        check_url(url, allow_hosts=())


def test_a_public_address_is_allowed():
    check_url("http://93.184.215.14/", allow_hosts=())


def test_an_allow_listed_host_may_be_local(outlets: OutletSimulator):
    outlets.page("/story", "<html><body><p>Hello</p></body></html>")
    page = fetch_page(outlets.url("/story"), allow_hosts=LOOPBACK)
    assert page.status == 200
    assert "Hello" in page.text


def test_loopback_is_refused_without_the_allow_list(outlets: OutletSimulator):
    outlets.page("/story", "<p>secret</p>")
    with pytest.raises(FetchError, match="private or local"):
        fetch_page(outlets.url("/story"), allow_hosts=())
    assert outlets.requests == []


def test_a_redirect_to_a_private_address_is_refused_at_that_hop(outlets: OutletSimulator):
    outlets.redirect("/moved", "http://127.0.0.2:9/admin")
    with pytest.raises(FetchError, match=r"127\.0\.0\.2.*private or local"):
        fetch_page(outlets.url("/moved"), allow_hosts=LOOPBACK)
    assert outlets.requests == ["/moved"]


def test_redirects_are_followed_up_to_five_hops(outlets: OutletSimulator):
    for hop in range(5):
        outlets.redirect(f"/r{hop}", f"/r{hop + 1}")
    outlets.page("/r5", "<p>arrived</p>")
    assert "arrived" in fetch_page(outlets.url("/r0"), allow_hosts=LOOPBACK).text

    outlets.redirect("/r5", "/r6")
    outlets.page("/r6", "<p>too far</p>")
    with pytest.raises(FetchError, match="more than 5 times"):
        fetch_page(outlets.url("/r0"), allow_hosts=LOOPBACK)


def test_an_error_status_is_reported_with_its_code(outlets: OutletSimulator):
    with pytest.raises(FetchError, match="answered 404"):
        fetch_page(outlets.url("/missing"), allow_hosts=LOOPBACK)


def test_a_slow_answer_times_out(outlets: OutletSimulator):
    outlets.page("/slow", "<p>late</p>", delay=2.0)
    with pytest.raises(FetchError, match=r"did not answer within 0\.5 seconds"):
        fetch_page(outlets.url("/slow"), allow_hosts=LOOPBACK, timeout=0.5)


def test_a_page_over_the_size_cap_is_refused(outlets: OutletSimulator):
    outlets.page("/big", "<p>" + "x" * 300_000 + "</p>")
    with pytest.raises(FetchError, match="larger than"):
        fetch_page(outlets.url("/big"), allow_hosts=LOOPBACK, max_bytes=100_000)


def test_a_non_text_content_type_is_refused(outlets: OutletSimulator):
    outlets.page("/file.zip", b"PK\x03\x04", content_type="application/zip")
    with pytest.raises(FetchError, match="application/zip, not a web page"):
        fetch_page(outlets.url("/file.zip"), allow_hosts=LOOPBACK)


def test_the_page_is_decoded_with_its_declared_charset(outlets: OutletSimulator):
    outlets.page(
        "/latin",
        "<p>Müller said</p>".encode("latin-1"),
        content_type="text/html; charset=iso-8859-1",
    )
    assert "Müller" in fetch_page(outlets.url("/latin"), allow_hosts=LOOPBACK).text


def test_a_3xx_without_a_location_is_an_error_not_a_crash(outlets: OutletSimulator):
    outlets.page("/choices", "<p>pick one</p>", status=300)
    with pytest.raises(FetchError, match="answered 300"):
        fetch_page(outlets.url("/choices"), allow_hosts=LOOPBACK)


@pytest.fixture
def rebinding_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resolver under an attacker's control: rebind.example first answers a public
    address, then loopback (DNS rebinding). Only the name lookup is played; the
    connection is real."""
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.215.14"])

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_host_that_rebinds_to_loopback_after_the_check_is_never_connected_to(
    outlets: OutletSimulator, rebinding_dns: None
):
    outlets.page("/admin", "<p>secret</p>")
    port = outlets.server.server_address[1]

    with pytest.raises(FetchError, match=r"rebind\.example points to a private or local"):
        fetch_page(f"http://rebind.example:{port}/admin", allow_hosts=())

    assert outlets.requests == []


def test_the_asynchronous_client_connects_only_to_checked_addresses(outlets: OutletSimulator):
    outlets.page("/admin", "<p>secret</p>")

    async def get(url: str, allow_hosts: tuple[str, ...]) -> httpx.Response:
        transport = AsyncPinnedTransport(allow_hosts=allow_hosts)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get(url)

    with pytest.raises(FetchError, match="localhost points to a private or local"):
        asyncio.run(get(outlets.url("/admin", host="localhost"), allow_hosts=()))
    assert outlets.requests == []
    assert asyncio.run(get(outlets.url("/admin"), allow_hosts=LOOPBACK)).status_code == 200


def test_the_cross_reference_fetcher_never_connects_to_a_rebound_host(
    outlets: OutletSimulator, rebinding_dns: None
):
    outlets.page("/robots.txt", "", status=404)
    outlets.page("/admin", "<p>secret</p>")
    port = outlets.server.server_address[1]

    async def fetch() -> object:
        async with Fetcher(FetchPolicy(min_delay=0, obey_robots=False)) as fetcher:
            return await fetcher.fetch_or_error(f"http://rebind.example:{port}/admin")

    outcome = asyncio.run(fetch())

    assert isinstance(outcome, FetchError)
    assert "private or local" in str(outcome)
    assert outlets.requests == []


def test_a_page_that_drips_in_slowly_is_cut_off_at_the_overall_deadline(outlets: OutletSimulator):
    outlets.drip("/slow-drip", chunks=100, every=0.2)

    started = time.monotonic()
    with pytest.raises(FetchError, match=r"did not arrive within 1\.5 seconds"):
        fetch_page(outlets.url("/slow-drip"), allow_hosts=LOOPBACK, timeout=1.0, deadline=1.5)

    assert time.monotonic() - started < 5
