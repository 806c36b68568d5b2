"""Candidates: the pages of an outlet that may bear on a claim, and how likely each does.

Feeds and sitemaps are parsed in `factcheck.crossref.feeds`; this module holds what the
strategies share (`Candidate`), builds site-search URLs from a claim's key terms, finds
links to an outlet in an article or a search page, and ranks candidates against a claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote_plus, urljoin, urlsplit

from factcheck.crossref.terms import content_words, key_terms, quotations
from factcheck.outlets.registry import Outlet

ARTICLE_LINK = "article link"
FEED = "feed"
SITEMAP = "sitemap"
SEARCH = "search"

# News sites' search engines AND the words given: with more than six, most find nothing.
MAX_SEARCH_TERMS = 6
# Ranking: a page published within a day of the article is as close as it gets; the
# bonus for closeness fades to nothing at DATE_HORIZON. Term overlap counts for most.
DATE_HORIZON = timedelta(days=14)
DATE_WEIGHT = 0.25
_BARE_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+")


@dataclass(frozen=True)
class Candidate:
    """A page that may bear on a claim. `source` says how it was found: ARTICLE_LINK,
    FEED, SITEMAP or SEARCH. `published` is timezone-aware (UTC) when known."""

    url: str
    title: str | None = None
    published: datetime | None = None
    summary: str | None = None
    source: str = FEED


@dataclass(frozen=True)
class RankedCandidate:
    candidate: Candidate
    score: float


def as_utc(moment: datetime | None) -> datetime | None:
    """`moment` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def search_query(claim_text: str, max_terms: int = MAX_SEARCH_TERMS) -> str:
    """The words to type into an outlet's search box for `claim_text`: the key terms of
    its quotations first (the attribution around a quote, "a senior diplomat told",
    is not what the outlet printed), then those of the rest."""
    quoted = key_terms(" ".join(quotations(claim_text)), limit=max_terms)
    terms = dict.fromkeys([*quoted, *key_terms(claim_text, limit=max_terms)])
    return " ".join(list(terms)[:max_terms])


def build_search_url(template: str, claim_text: str, max_terms: int = MAX_SEARCH_TERMS) -> str:
    """`template` (an outlet's `search_url`) with {query} replaced by the claim's key
    terms, URL-encoded."""
    if "{query}" not in template:
        raise ValueError(f"the search URL {template!r} has no {{query}} placeholder")
    return template.replace("{query}", quote_plus(search_query(claim_text, max_terms)))


def on_outlet(url: str, outlet: Outlet) -> bool:
    """Whether `url` is on one of the outlet's domains (subdomains included)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in outlet.domains)


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def links_to(
    page: str, outlet: Outlet, *, base_url: str | None = None, source: str = ARTICLE_LINK
) -> list[Candidate]:
    """The links in `page` (HTML or plain text) that point at the outlet's domains, in
    order, without repeats; an anchor's text becomes the candidate's title."""
    parser = _LinkParser()
    parser.feed(page)
    parser.close()
    found = [(urljoin(base_url or "", href), text) for href, text in parser.links]
    found += [(url.rstrip(".,;:"), "") for url in _BARE_URL.findall(page)]
    candidates: dict[str, Candidate] = {}
    for url, text in found:
        url = url.split("#")[0]
        if url == base_url or not on_outlet(url, outlet) or url in candidates:
            continue
        candidates[url] = Candidate(url=url, title=text or None, source=source)
    return list(candidates.values())


def search_results(page: str, outlet: Outlet, *, search_url: str) -> list[Candidate]:
    """The result links of an outlet's search page: its links back to the outlet."""
    return links_to(page, outlet, base_url=search_url, source=SEARCH)


def within_window(published: datetime | None, around: datetime | None, window: timedelta) -> bool:
    """Whether `published` falls within `window` either side of `around`; an unknown date
    on either side cannot rule a page out."""
    if published is None or around is None:
        return True
    return abs(as_utc(published) - as_utc(around)) <= window


def rank_candidates(
    candidates: Iterable[Candidate],
    claim_text: str,
    *,
    published: datetime | None = None,
    limit: int | None = None,
) -> list[RankedCandidate]:
    """Candidates best first: the share of the claim's key terms found in a candidate's
    title, summary and URL, plus a bonus for being published close to `published`."""
    wanted = {word for word in content_words(" ".join(key_terms(claim_text, limit=12)))}
    ranked: dict[str, RankedCandidate] = {}
    for candidate in candidates:
        score = _overlap(candidate, wanted) + DATE_WEIGHT * date_closeness(
            candidate.published, published
        )
        if candidate.url not in ranked or ranked[candidate.url].score < score:
            ranked[candidate.url] = RankedCandidate(candidate, round(score, 4))
    best = sorted(ranked.values(), key=lambda r: r.score, reverse=True)
    return best[:limit] if limit is not None else best


def _overlap(candidate: Candidate, wanted: set[str]) -> float:
    if not wanted:
        return 0.0
    slug = re.sub(r"[-_/.]+", " ", urlsplit(candidate.url).path)
    words = set(content_words(f"{candidate.title or ''} {candidate.summary or ''} {slug}"))
    return len(wanted & words) / len(wanted)


def date_closeness(first: datetime | None, second: datetime | None) -> float:
    """1.0 for two moments within a day of each other, falling to 0.0 at DATE_HORIZON
    beyond that; 0.0 when either is unknown."""
    if first is None or second is None:
        return 0.0
    distance = abs(as_utc(first) - as_utc(second))
    return max(0.0, 1 - max(distance - timedelta(days=1), timedelta()) / DATE_HORIZON)
