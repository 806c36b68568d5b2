"""A web archive and a news search played on the loopback outlet simulator, answering in
the formats their public documentation gives: the Wayback Machine's CDX server (JSON
with a header row, or space-separated lines; `url`, `matchType=domain`, `from`/`to`,
`filter=[!]field:regex`, `collapse=urlkey`, `limit`, `fl`), Memento TimeMaps in
link-format (RFC 7089), mementos at /web/<timestamp>id_/<url>, and the GDELT DOC 2.0
API's artlist JSON (an error as plain text)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.harness import OutletSimulator

DEFAULT_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")


@dataclass(frozen=True)
class PlayedCapture:
    url: str
    at: datetime
    body: str
    status: int = 200
    mime: str = "text/html"

    @property
    def timestamp(self) -> str:
        return self.at.strftime("%Y%m%d%H%M%S")


@dataclass(frozen=True)
class NewsItem:
    url: str
    title: str
    seen: datetime
    text: str = ""  # the story's words, which GDELT indexes besides its title


class PlayedArchive:
    """The archive and the news search, under /cdx, /timemap/link/, /web/ and /gdelt."""

    def __init__(self, outlets: OutletSimulator, *, text_lines: bool = False) -> None:
        self.outlets = outlets
        self.captures: list[PlayedCapture] = []
        self.news: list[NewsItem] = []
        self.text_lines = text_lines  # answer the CDX in lines, not JSON
        self.index_status = 200
        self.news_error = ""
        outlets.routes["/cdx"] = self._cdx
        outlets.routes["/gdelt"] = self._gdelt
        outlets.prefixes["/timemap/link/"] = self._timemap
        outlets.prefixes["/web/"] = self._memento

    @property
    def index_url(self) -> str:
        return self.outlets.url("/cdx")

    @property
    def timemap_url(self) -> str:
        return self.outlets.url("/timemap/link")

    @property
    def news_url(self) -> str:
        return self.outlets.url("/gdelt")

    def capture(self, url: str, at: datetime, body: str, **more: object) -> None:
        self.captures.append(PlayedCapture(url, at, body, **more))  # type: ignore[arg-type]

    def _cdx(self, handler: BaseHTTPRequestHandler) -> None:
        if self.index_status != 200:
            _send(handler, "Internal error", "text/plain", self.index_status)
            return
        query = parse_qs(urlsplit(handler.path).query)
        found = [c for c in self.captures if _matches(c, query)]
        if query.get("collapse") == ["urlkey"]:
            firsts: dict[str, PlayedCapture] = {}
            for capture in sorted(found, key=lambda c: c.at):
                firsts.setdefault(capture.url, capture)
            found = list(firsts.values())
        found.sort(key=lambda c: (_urlkey(c.url), c.timestamp))  # the index's own order
        found = found[: int(query.get("limit", ["100000"])[0])]
        fields = query["fl"][0].split(",") if "fl" in query else list(DEFAULT_FIELDS)
        rows = [[_field(c, name) for name in fields] for c in found]
        if self.text_lines:
            _send(handler, "".join(" ".join(row) + "\n" for row in rows), "text/plain")
        else:
            _send(handler, json.dumps([fields, *rows] if rows else []), "application/json")

    def _timemap(self, handler: BaseHTTPRequestHandler) -> None:
        original = handler.path.removeprefix("/timemap/link/")
        mine = sorted((c for c in self.captures if c.url == original), key=lambda c: c.at)
        if not mine:
            _send(handler, "", "application/link-format", 404)
            return
        links = [f'<{original}>; rel="original"']
        for capture in mine:
            memento = self.outlets.url(f"/web/{capture.timestamp}/{original}")
            moment = format_datetime(capture.at, usegmt=True)
            links.append(f'<{memento}>; rel="memento"; datetime="{moment}"')
        _send(handler, ",\n".join(links) + "\n", "application/link-format")

    def _memento(self, handler: BaseHTTPRequestHandler) -> None:
        found = re.match(r"/web/(\d{14})id_/(.+)", handler.path)
        capture = next(
            (c for c in self.captures if found and (c.timestamp, c.url) == found.groups()), None
        )
        if capture is None:
            _send(handler, "Not in the archive", "text/plain", 404)
            return
        moment = format_datetime(capture.at, usegmt=True)
        _send(
            handler, capture.body, "text/html; charset=utf-8", headers={"Memento-Datetime": moment}
        )

    def _gdelt(self, handler: BaseHTTPRequestHandler) -> None:
        if self.news_error:
            _send(handler, self.news_error, "text/html")
            return
        query = parse_qs(urlsplit(handler.path).query)
        words = query["query"][0]
        domain = re.search(r"domain:(\S+)", words)
        wanted = [w.lower() for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"domain:\S+", "", words))]
        articles = [
            {
                "url": item.url,
                "url_mobile": "",
                "title": item.title,
                "seendate": item.seen.strftime("%Y%m%dT%H%M%SZ"),
                "socialimage": "",
                "domain": urlsplit(item.url).hostname,
                "language": "English",
                "sourcecountry": "United Kingdom",
            }
            for item in self.news
            if (not domain or (urlsplit(item.url).hostname or "").endswith(domain.group(1)))
            and any(word in f"{item.title} {item.text}".lower() for word in wanted if word != "or")
        ]
        _send(handler, json.dumps({"articles": articles} if articles else {}), "application/json")


def _matches(capture: PlayedCapture, query: dict[str, list[str]]) -> bool:
    host = urlsplit(capture.url).hostname or ""
    domain = query["url"][0].split("/")[0]
    if query.get("matchType") == ["domain"]:
        if host != domain and not host.endswith("." + domain):
            return False
    elif not capture.url.split("://", 1)[-1].startswith(query["url"][0]):
        return False
    low = query.get("from", [""])[0].ljust(14, "0")
    high = query.get("to", [""])[0].ljust(14, "9")
    if not low <= capture.timestamp <= high:
        return False
    for rule in query.get("filter", []):
        negate = rule.startswith("!")
        name, _colon, pattern = rule.lstrip("!").partition(":")
        if bool(re.fullmatch(pattern, _field(capture, name))) == negate:
            return False
    return True


def _field(capture: PlayedCapture, name: str) -> str:
    return {
        "urlkey": _urlkey(capture.url),
        "timestamp": capture.timestamp,
        "original": capture.url,
        "mimetype": capture.mime,
        "statuscode": str(capture.status),
        "digest": "-",
        "length": str(len(capture.body)),
    }[name]


def _urlkey(url: str) -> str:
    """SURT-like: the host reversed, then the path (the index's sort order)."""
    parts = urlsplit(url)
    host = ",".join(reversed((parts.hostname or "").split(".")))
    return f"{host})" + (parts.path or "/")


def _send(
    handler: BaseHTTPRequestHandler,
    body: str,
    content_type: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    data = body.encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def on_day(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)
