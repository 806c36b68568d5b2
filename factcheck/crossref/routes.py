"""The discovery routes beyond an outlet's registered feeds, sitemaps and search page:
the sitemaps its robots.txt names (full sitemaps of past months among them), a web
archive's index of captures (a CDX server such as the Wayback Machine's), a news search
(GDELT's DOC 2.0 API), and archived copies (Memento) of pages gone from the outlet's site.

Each route is switched on by its address in `Routes`. Their requests go through the same
fetcher as every other: the same address checks and per-host limits, and a pace of their
own for the APIs' hosts (`FetchPolicy.host_delays`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from factcheck.crossref.discover import as_utc, on_outlet
from factcheck.crossref.feeds import SITEMAP_WINDOW, FeedError
from factcheck.crossref.fetcher import (
    FetchFailed,
    FetchPolicy,
    FetchResult,
    fetch_all,
)
from factcheck.crossref.terms import content_words, key_terms
from factcheck.crossref.webarchives import (
    closest_memento,
    parse_timemap,
    raw_memento_url,
    timemap_url,
)
from factcheck.net.fetch import FailureKind, FetchError
from factcheck.outlets.registry import Outlet

# The answers of the routes' APIs: JSON, CDX text lines, Memento link-format TimeMaps,
# and the plain-text or HTML error messages some of them answer with.
API_TYPES = (
    "application/json",
    "text/json",
    "text/plain",
    "text/html",
    "application/link-format",
)
# Sitemaps named in a robots.txt read at most, per outlet: a site may name dozens (video,
# image, tag and author sitemaps), and those of stories come first.
MAX_FOUND_SITEMAPS = 4
_LISTING_SITEMAP = re.compile(r"video|image|tag|categor|author|section|topic|page", re.IGNORECASE)
# A story is captured by an archive on the day it is published or in the days after:
# captures from ARCHIVE_BEFORE before the article to ARCHIVE_AFTER after it are asked for.
ARCHIVE_BEFORE = SITEMAP_WINDOW
ARCHIVE_AFTER = timedelta(days=10)
# An archive's index is asked for the outlet's first domains only (an outlet's other
# domains are mostly country editions of the same stories).
ARCHIVE_DOMAINS = 2
# Words of a batch's claims a capture's address is filtered by (news addresses carry
# the story's words in their slug).
ARCHIVE_WORDS = 24
# Pages gone from the outlet's site that are looked for in the archive, by status.
GONE = frozenset({404, 410})


@dataclass(frozen=True)
class Routes:
    """Which discovery routes are on: an empty address is a route switched off."""

    full_sitemaps: bool = True  # the sitemaps a robots.txt names, when the registry has none
    archive_index_url: str = ""  # a CDX server (the Wayback Machine's)
    archive_timemap_url: str = ""  # Memento TimeMaps, for copies of pages gone
    archive_name: str = "Wayback Machine"
    news_search_url: str = ""  # GDELT DOC 2.0


def site_origins(outlet: Outlet) -> list[str]:
    """Where the outlet's robots.txt is: the origins of its feeds and search page on its
    own domains, else its first domain over https."""
    known = [*outlet.feeds, *([outlet.search_url] if outlet.search_url else [])]
    origins = [_origin(url) for url in known if on_outlet(url, outlet)]
    if not origins and outlet.domains:
        origins = [f"https://{outlet.domains[0]}"]
    return list(dict.fromkeys(origin for origin in origins if origin))


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def stories_sitemaps(named: Iterable[str], outlet: Outlet) -> list[str]:
    """Of the sitemaps a robots.txt names, those on the outlet's domains worth reading
    for stories, at most MAX_FOUND_SITEMAPS: sitemaps of videos, images, tags, sections,
    authors or plain pages after the rest."""
    on_site = [url for url in dict.fromkeys(named) if on_outlet(url, outlet)]
    ranked = sorted(on_site, key=lambda url: bool(_LISTING_SITEMAP.search(_file_name(url))))
    return ranked[:MAX_FOUND_SITEMAPS]


def _file_name(url: str) -> str:
    try:
        return urlsplit(url).path.rsplit("/", 1)[-1]
    except ValueError:
        return url


def archive_reaches(published: datetime | None, now: datetime) -> bool:
    """Whether an archive's index is worth asking: the article's date is known and old
    enough that the outlet's feeds and news sitemaps (a few days of stories) may no
    longer list its sources."""
    return published is not None and as_utc(published) < as_utc(now) - SITEMAP_WINDOW


def address_words(texts: Iterable[str], outlet: Outlet, limit: int = ARCHIVE_WORDS) -> list[str]:
    """The words of the claims' key terms as they appear in story addresses (lower-case
    ASCII slugs), most important first, at most `limit`; not the outlet's own name,
    which the claims cite and its addresses need not hold."""
    own = {_slug(word) for name in outlet.names for word in content_words(name)}
    words: dict[str, None] = {}
    for text in texts:
        for term in key_terms(text, limit=8):
            for word in map(_slug, content_words(term)):
                if len(word) >= 3 and word not in own:
                    words[word] = None
    return list(words)[:limit]


def _slug(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def archive_window(published: datetime) -> tuple[datetime, timedelta]:
    """The middle and half-width of the stretch of captures asked for (see ARCHIVE_AFTER)."""
    half = (ARCHIVE_BEFORE + ARCHIVE_AFTER) / 2
    return as_utc(published) - ARCHIVE_BEFORE + half, half


def api_policy(policy: FetchPolicy) -> FetchPolicy:
    """The policy for the routes' APIs: their answer types, and no robots.txt, which
    governs crawling a site's pages, not an API documented for programs to call."""
    return replace(policy, content_types=API_TYPES, obey_robots=False)


def is_gone(error: FetchError) -> bool:
    """Whether a page failed because it is gone from the outlet's site (404, 410) or its
    site's name no longer resolves, so that an archived copy is worth looking for. A
    site that is slow or refuses connections is in passing trouble: its failure stands,
    and a later gathering tries it again."""
    status = error.status if isinstance(error, FetchFailed) else 0
    return status in GONE or error.kind == FailureKind.DNS


def archived_copies(
    wanted: dict[str, datetime | None], routes: Routes, policy: FetchPolicy
) -> dict[str, FetchResult]:
    """Archived copies of pages gone from their sites (URL: the moment to be closest
    to, the article's date), found through the archive's Memento TimeMaps. A copy stands
    for the page: its URL is the page's, its time the capture's, and it names the archive
    and the memento it came from. Pages with no copy (or whose archive failed) are left
    out: their own failure stands."""
    if not routes.archive_timemap_url or not wanted:
        return {}
    urls = list(wanted)
    maps = fetch_all([timemap_url(routes.archive_timemap_url, u) for u in urls], api_policy(policy))
    chosen = {}
    for url, answer in zip(urls, maps, strict=True):
        if isinstance(answer, FetchError):
            continue
        try:
            mementos = parse_timemap(answer.body, url=answer.url)
        except FeedError:
            continue
        memento = closest_memento(mementos, wanted[url])
        if memento is not None:
            chosen[url] = memento
    page_policy = replace(policy, obey_robots=False)
    asked = [raw_memento_url(m.url) for m in chosen.values()]
    copies = fetch_all(asked, page_policy)
    found = {}
    for (url, memento), raw, copy in zip(chosen.items(), asked, copies, strict=True):
        if _a_copy_of_the_page(copy, raw, routes):
            assert isinstance(copy, FetchResult)
            found[url] = replace(
                copy,
                url=url,
                final_url=url,
                fetched_at=_captured_at(copy) or memento.captured_at,
                archived_by=routes.archive_name,
                memento_url=memento.url,
            )
    return found


def _a_copy_of_the_page(copy: FetchResult | FetchError, asked: str, routes: Routes) -> bool:
    """Whether the archive answered with the memento asked for, from its own host: an
    archive replays a capture of a redirect as a redirect to another memento (another
    page), and a TimeMap could name a memento anywhere."""
    return (
        isinstance(copy, FetchResult)
        and not copy.not_modified
        and copy.final_url == asked
        and _host(asked) == _host(routes.archive_timemap_url)
    )


def _captured_at(copy: FetchResult) -> datetime | None:
    """The capture's moment as the archive states it (Memento-Datetime), if readable."""
    try:
        return as_utc(parsedate_to_datetime(copy.headers.get("memento-datetime", "")))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def by_first_domains(outlet: Outlet) -> Sequence[str]:
    return outlet.domains[:ARCHIVE_DOMAINS]
