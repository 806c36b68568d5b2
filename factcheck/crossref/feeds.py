"""Candidates from an outlet's RSS 2.0 and Atom feeds, sitemaps, Google News sitemaps
and sitemap indexes.

The XML comes from outside, so it is parsed with defusedxml: a document that declares
entities (the "billion laughs" bomb) or refers to external ones is refused, not expanded.
"""

from __future__ import annotations

import calendar
import html
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from factcheck.crossref.discover import FEED, SITEMAP, Candidate, as_utc, within_window
from factcheck.errors import UserError

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
# News sitemaps list two days of stories; a claim is usually reported on the day or the
# day after. Three days either side finds late follow-ups without reading the archive.
SITEMAP_WINDOW = timedelta(days=3)
# The sitemap protocol's limit on an uncompressed sitemap; a .xml.gz file is unpacked no
# further (a small gzip bomb cannot expand past it).
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
# Child sitemaps of an index read for one claim: the index lists the newest first, and
# those within the date window are few.
MAX_CHILD_SITEMAPS = 10
GZIP_MAGIC = b"\x1f\x8b"
_TAG = re.compile(r"<[^>]+>")


class FeedError(UserError):
    """A feed or sitemap could not be read; the message says which and why."""

    status_code = 422


@dataclass(frozen=True)
class Sitemap:
    """A parsed sitemap: its pages (`candidates`) and, for a sitemap index, the child
    sitemaps worth reading (`sitemaps`)."""

    candidates: list[Candidate] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


def parse_xml(data: bytes | str, what: str = "the document") -> Element:
    """The root element of `data`, refusing entity declarations and external references."""
    try:
        return SafeET.fromstring(data)
    except DefusedXmlException as error:
        raise FeedError(
            f"Refused {what}: it declares XML entities or external references, which "
            "factcheck does not expand."
        ) from error
    except ParseError as error:
        raise FeedError(f"Could not read {what}: it is not well-formed XML ({error}).") from error


def gunzip(data: bytes, what: str) -> bytes:
    """A gzip file's content (every member of it), up to MAX_SITEMAP_BYTES."""
    content = bytearray()
    rest = data
    while rest:
        unpacker = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        try:
            content += unpacker.decompress(rest, MAX_SITEMAP_BYTES + 1 - len(content))
        except zlib.error as error:
            raise FeedError(
                f"Could not read {what}: it is not a valid gzip file ({error})."
            ) from error
        if len(content) > MAX_SITEMAP_BYTES:
            raise FeedError(
                f"Refused {what}: it unpacks to more than {MAX_SITEMAP_BYTES // 1048576} MB."
            )
        rest = unpacker.unused_data
    return bytes(content)


def parse_date(value: str | None) -> datetime | None:
    """A feed or sitemap date (RFC 822 as in RSS, or ISO 8601 / W3C as in Atom and
    sitemaps) as an aware UTC datetime, or None when it cannot be read."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return as_utc(datetime.fromisoformat(value))
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first moment in UTC
        return None
    except ValueError:
        pass
    try:
        return as_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_feed(data: bytes | str, *, feed_url: str = "the feed") -> list[Candidate]:
    """The items of an RSS 2.0 or Atom feed, in the feed's order."""
    root = parse_xml(data, feed_url)
    if root.tag == "rss":
        return [_rss_item(item) for item in root.iter("item") if _text(item, "link")]
    if root.tag == f"{ATOM}feed":
        entries = (_atom_entry(entry) for entry in root.iter(f"{ATOM}entry"))
        return [entry for entry in entries if entry.url]
    raise FeedError(
        f"Could not read {feed_url}: it is neither an RSS 2.0 nor an Atom feed (<{root.tag}>)."
    )


def _rss_item(item: Element) -> Candidate:
    return Candidate(
        url=_text(item, "link") or "",
        title=_text(item, "title"),
        published=parse_date(_text(item, "pubDate")),
        summary=_plain(_text(item, "description")),
        source=FEED,
    )


def _atom_entry(entry: Element) -> Candidate:
    links = entry.findall(f"{ATOM}link")
    chosen = [link for link in links if link.get("rel", "alternate") == "alternate"] or links
    published = _text(entry, f"{ATOM}published") or _text(entry, f"{ATOM}updated")
    summary = _text(entry, f"{ATOM}summary") or _text(entry, f"{ATOM}content")
    return Candidate(
        url=(chosen[0].get("href") or "").strip() if chosen else "",
        title=_text(entry, f"{ATOM}title"),
        published=parse_date(published),
        summary=_plain(summary),
        source=FEED,
    )


def parse_sitemap(
    data: bytes | str,
    *,
    around: datetime | None = None,
    window: timedelta = SITEMAP_WINDOW,
    sitemap_url: str = "the sitemap",
) -> Sitemap:
    """The pages of a sitemap or Google News sitemap published within `window` of
    `around`, or the child sitemaps of a sitemap index that may hold such pages (a child
    last modified before the window opened cannot). Undated entries are kept. A gzipped
    sitemap (.xml.gz) is unpacked first."""
    if isinstance(data, bytes) and data.startswith(GZIP_MAGIC):
        data = gunzip(data, sitemap_url)
    root = parse_xml(data, sitemap_url)
    if root.tag == f"{SITEMAP_NS}sitemapindex":
        return Sitemap(sitemaps=_children(root, around, window)[:MAX_CHILD_SITEMAPS])
    if root.tag != f"{SITEMAP_NS}urlset":
        raise FeedError(f"Could not read {sitemap_url}: it is not a sitemap (<{root.tag}>).")
    pages = (_sitemap_page(url) for url in root.iter(f"{SITEMAP_NS}url"))
    return Sitemap(
        candidates=[p.candidate for p in pages if p.url and _may_be_within(p, around, window)]
    )


def _may_be_within(page: _SitemapPage, around: datetime | None, window: timedelta) -> bool:
    """Whether a sitemap's page may have been published within the window: a news
    sitemap's publication date must fall in it; a plain sitemap's <lastmod> is when the
    page last changed, so a page changed after the window closed may still be from it
    (full sitemaps of past months are full of stories edited since), but one last changed
    before the window opened cannot be."""
    if page.dated_by_lastmod and page.candidate.published is not None and around is not None:
        return page.candidate.published >= as_utc(around) - window
    return within_window(page.candidate.published, around, window)


def _children(index: Element, around: datetime | None, window: timedelta) -> list[str]:
    """The child sitemaps worth reading, most promising first. A full sitemap named for
    its period (sitemap-2017-05.xml) is read only when the period meets the window, and
    those are the most promising; then those last modified nearest the claim's date, then
    the undated ones from the end of the index (indexes tend to add new sitemaps there).
    One last modified before the window opened cannot hold a page from it."""
    in_period: list[tuple[float, str]] = []
    dated: list[tuple[float, str]] = []
    undated: list[str] = []
    for sitemap in index.iter(f"{SITEMAP_NS}sitemap"):
        location = _text(sitemap, f"{SITEMAP_NS}loc")
        modified = parse_date(_text(sitemap, f"{SITEMAP_NS}lastmod"))
        period = sitemap_period(location) if location and around is not None else None
        if not location:
            continue
        if period is not None and around is not None:
            start, end = period
            moment = as_utc(around)
            if start <= moment + window and end >= moment - window:
                in_period.append(((end - start).total_seconds(), location))  # narrowest first
        elif modified is None:
            undated.append(location)
        elif around is None:
            dated.append((-modified.timestamp(), location))  # newest first
        elif modified >= as_utc(around) - window:
            dated.append((abs((modified - as_utc(around)).total_seconds()), location))
    ranked = [location for _rank, location in sorted(in_period) + sorted(dated)]
    return ranked + undated[::-1]


# A date in a sitemap's file name: a year, a month or a day (2017, 2017-05, 201705,
# 2017_05_25, 20170525), with no other digit next to it and no letter before it (so
# that post-sitemap2001.xml, the 2001st of a numbered series, is no year).
_PERIOD = re.compile(
    r"(?<![0-9A-Za-z])((?:19|20)[0-9]{2})(?:([-_.]?)(0[1-9]|1[0-2])(?:\2(0[1-9]|[12][0-9]|3[01]))?)?(?![0-9])"
)


def sitemap_period(location: str) -> tuple[datetime, datetime] | None:
    """The stretch of time a full sitemap covers by its file name (the start and end of
    its year, month or day, UTC), or None when the name gives none. Only the file name is
    read: a folder (/v2019.01/) or a query (?page=201012) says nothing of the period."""
    try:
        name = urlsplit(location).path.rsplit("/", 1)[-1]
    except ValueError:
        return None
    found = _PERIOD.search(name)
    if not found:
        return None
    year, _separator, month, day = found.groups()
    if month is None:
        start, end = (
            datetime(int(year), 1, 1, tzinfo=UTC),
            datetime(int(year) + 1, 1, 1, tzinfo=UTC),
        )
    elif day is None:
        start = datetime(int(year), int(month), 1, tzinfo=UTC)
        end = start + timedelta(days=calendar.monthrange(int(year), int(month))[1])
    else:
        try:
            start = datetime(int(year), int(month), int(day), tzinfo=UTC)
        except ValueError:  # 2017-02-30
            return None
        end = start + timedelta(days=1)
    return start, end - timedelta(microseconds=1)


@dataclass(frozen=True)
class _SitemapPage:
    candidate: Candidate
    dated_by_lastmod: bool  # no news publication date: `published` is its <lastmod>

    @property
    def url(self) -> str:
        return self.candidate.url


def _sitemap_page(url: Element) -> _SitemapPage:
    news = url.find(f"{NEWS_NS}news")
    title = published = None
    if news is not None:
        title = _text(news, f"{NEWS_NS}title")
        published = parse_date(_text(news, f"{NEWS_NS}publication_date"))
    candidate = Candidate(
        url=_text(url, f"{SITEMAP_NS}loc") or "",
        title=title,
        published=published or parse_date(_text(url, f"{SITEMAP_NS}lastmod")),
        source=SITEMAP,
    )
    return _SitemapPage(candidate, dated_by_lastmod=published is None)


def _text(element: Element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _plain(markup: str | None) -> str | None:
    """Feed summaries often hold escaped HTML; the reader wants its words."""
    if markup is None:
        return None
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split()) or None
