"""Gathering a claim's cross-references: which outlets to search, their candidate pages
(article links, feeds, sitemaps, site search), the best pages fetched, archived and
aligned with the claim, and one hop further along the citation chain.

Plain Python: the caller (a Celery task) stores what this returns.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from factcheck.crossref.align import (
    CORROBORATES,
    NO_MATCHING_REPORT,
    NOT_AN_ARTICLE,
    QUOTE_DIFFERS,
    QUOTE_FOUND,
    Alignment,
    Claim,
    align,
    read_claim,
)
from factcheck.crossref.archive import ArchivedRecord, ArchiveError, WarcArchive
from factcheck.crossref.cache import LRUCache
from factcheck.crossref.discover import (
    Candidate,
    as_utc,
    build_search_url,
    links_to,
    not_an_article,
    on_outlet,
    rank_candidates,
    search_results,
)
from factcheck.crossref.feeds import SITEMAP_WINDOW, FeedError, parse_feed, parse_sitemap
from factcheck.crossref.fetcher import (
    GZIP_TYPES,
    FetchFailed,
    FetchPolicy,
    FetchRequest,
    FetchResult,
    fetch_all,
    robots_sitemaps,
)
from factcheck.crossref.newssearch import covers, gdelt_query_url, parse_gdelt
from factcheck.crossref.outcomes import (
    Failure,
    OutletOutcome,
    Searched,
    date_window,
    decide_outcome,
    meaning_of,
)
from factcheck.crossref.passages import Page, page_text, read_page
from factcheck.crossref.routes import (
    Routes,
    address_words,
    api_policy,
    archive_reaches,
    archive_window,
    archived_copies,
    by_first_domains,
    is_gone,
    site_origins,
    stories_sitemaps,
)
from factcheck.crossref.terms import key_terms
from factcheck.crossref.webarchives import as_candidates, cdx_query_url, parse_cdx
from factcheck.net.fetch import FailureKind, FetchError
from factcheck.outlets.registry import Outlet, Registry

# Each outlet's best-ranked candidates read first for a claim; when none of them holds
# it, the next, up to PAGES_PER_OUTLET pages in all (a setting:
# FACTCHECK_PAGES_PER_OUTLET).
FIRST_PAGES = 3
# By default an outlet is searched by its own listings and the sitemaps its robots.txt
# names; the web archive and the news search are switched on by their addresses.
OUTLETS_OWN_ROUTES = Routes()
PAGES_PER_OUTLET = 5
LOG = logging.getLogger(__name__)
CITATION = "citation"
ARTICLE_LINKS = "links in the article"  # the route of pages the article itself links to
# Pages read for alignment (text, passages and their words), kept by each worker process
# by URL and SHA-256 of the body, so that later batches aligning claims with a page read
# it once. Bounded by memory: a read page takes about 45 bytes per character of its text
# (measured on the demo article), so 64 MB keeps some 250 news stories of 5,000 characters.
READ_PAGE_BYTES_PER_CHAR = 45
READ_PAGES: LRUCache[tuple[str, str, str], Page] = LRUCache(
    64 * 1_048_576, weigh=lambda page: READ_PAGE_BYTES_PER_CHAR * len(page.text)
)


@dataclass(frozen=True)
class KnownPage:
    """A page fetched for the claim before: its validators and its archived copy. A new
    gathering asks for it only if changed, and on a 304 reads the copy it has."""

    url: str
    etag: str | None
    last_modified: str | None
    archived: ArchivedRecord


@dataclass(frozen=True)
class ClaimInArticle:
    """What gathering needs to know of a claim and of the article it comes from."""

    text: str
    speaker: str | None
    kind: str
    cited_outlets: tuple[str, ...]
    article_text: str
    article_html: str | None = None
    article_url: str | None = None
    credited_outlets: tuple[str, ...] = ()
    published: datetime | None = None
    known_pages: tuple[KnownPage, ...] = ()
    # Gather again at these outlets only (and the outlets their pages credit); all if empty.
    only_outlets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """One page of an outlet fetched for the claim: read and aligned, or failed (`error`)."""

    outlet: str
    url: str
    source: str
    depth: int = 0
    parent_url: str | None = None
    title: str | None = None  # as the outlet listed the page (feed, sitemap, search)
    published: datetime | None = None
    result: FetchResult | None = None
    archived: ArchivedRecord | None = None
    alignment: Alignment | None = None
    error: str | None = None
    error_kind: str | None = None  # a FailureKind value, with `error`
    error_retryable: bool = False

    @property
    def hints(self) -> tuple[str, ...]:
        if self.error:
            return ("fetch failed",)
        return self.alignment.hints if self.alignment else (NO_MATCHING_REPORT,)


@dataclass(frozen=True)
class Gathered:
    """What gathering found for one claim: the pages fetched, and one outcome for each
    outlet searched (the citation chain's outlets included)."""

    evidence: list[Evidence]
    outcomes: list[OutletOutcome]


@dataclass
class _Search:
    claim: int  # the claim's place in the batch
    outlet: Outlet
    depth: int
    parent_url: str | None
    candidates: list[Candidate] = field(default_factory=list)
    consulted: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    listings_read: int = 0
    candidates_from_links: bool = False
    # Failures of the routes that only add to the outlet's own listings (sitemaps named
    # in robots.txt and their children, the web archive, the news search): they count
    # only when nothing else of the outlet answered, so that a stale robots.txt entry or
    # an archive's outage never turns a search the outlet's feed answered into "could
    # not check".
    supplementary_failures: list[Failure] = field(default_factory=list)
    listed_pages: bool = False  # a listing of pages (not an index of sitemaps) answered

    @property
    def routes(self) -> tuple[str, ...]:
        """The routes asked: the article's links to the outlet (searches of the first hop
        start from them), then each feed, sitemap and search page."""
        links = (ARTICLE_LINKS,) if self.depth == 0 and self.candidates_from_links else ()
        return (*links, *dict.fromkeys(self.consulted))


def outlets_to_search(
    claim: ClaimInArticle, registry: Registry, wire_agencies: Sequence[str]
) -> list[Outlet]:
    """The outlets the claim cites; those credited for the whole article (unless the
    article is on that outlet's own site); and, for a named speaker's quote that cites
    no outlet, the wire agencies. Of these, only `claim.only_outlets` when it names any."""
    names = list(claim.cited_outlets)
    for name in claim.credited_outlets:
        outlet = registry.get(name)
        if outlet and not (claim.article_url and on_outlet(claim.article_url, outlet)):
            names.append(name)
    if not names and claim.speaker and claim.kind == "quote":
        names.extend(wire_agencies)
    if claim.only_outlets:
        names = [name for name in names if name in claim.only_outlets]
    return [registry.get(name) for name in dict.fromkeys(names) if registry.get(name)]


FEED_KIND, SITEMAP_KIND, SEARCH_KIND = "feed", "sitemap", "search"
FOUND_SITEMAP_KIND = "sitemap named in robots.txt"
CHILD_SITEMAP_KIND = "child sitemap"
FOUND_CHILD_KIND = "child of a sitemap named in robots.txt"
ARCHIVE_KIND, NEWS_KIND = "web archive", "news search"
SITEMAP_KINDS = frozenset({SITEMAP_KIND, FOUND_SITEMAP_KIND, CHILD_SITEMAP_KIND, FOUND_CHILD_KIND})
CHILD_KINDS = {SITEMAP_KIND: CHILD_SITEMAP_KIND, FOUND_SITEMAP_KIND: FOUND_CHILD_KIND}
SUPPLEMENTARY_KINDS = frozenset({FOUND_SITEMAP_KIND, FOUND_CHILD_KIND, ARCHIVE_KIND, NEWS_KIND})
API_KINDS = frozenset({ARCHIVE_KIND, NEWS_KIND})


def _discovery_urls(search: _Search, claim: ClaimInArticle) -> list[tuple[str, str]]:
    outlet = search.outlet
    urls = [(feed, FEED_KIND) for feed in outlet.feeds]
    urls += [(sitemap, SITEMAP_KIND) for sitemap in outlet.sitemaps]
    if outlet.search_url:
        urls.append((build_search_url(outlet.search_url, claim.text), SEARCH_KIND))
    return urls


MAX_URL_LENGTH = 2048  # the longest URL a cross-reference row keeps


def _on_outlet_only(candidates: list[Candidate], outlet: Outlet) -> list[Candidate]:
    """A feed or sitemap may link anywhere; evidence "from Reuters" is on Reuters' site."""
    return [c for c in candidates if len(c.url) <= MAX_URL_LENGTH and on_outlet(c.url, outlet)]


def _read_discovery(
    search: _Search, url: str, kind: str, result: FetchResult, claim: ClaimInArticle
) -> tuple[list[Candidate], list[str]]:
    """The outlet's candidates a feed, sitemap or search page lists, and the child
    sitemaps a sitemap index names (to read in turn); FeedError when it cannot be read."""
    children: list[str] = []
    if kind == FEED_KIND:
        found = parse_feed(result.body, feed_url=url)
    elif kind in SITEMAP_KINDS:
        sitemap = parse_sitemap(result.body, around=claim.published, sitemap_url=url)
        found = sitemap.candidates
        # An index names sitemaps, not other indexes (the protocol): one level down.
        if kind in CHILD_KINDS:
            children = [c for c in sitemap.sitemaps if on_outlet(c, search.outlet)]
    elif kind == ARCHIVE_KIND:
        found = as_candidates(parse_cdx(result.body, url=url))
    elif kind == NEWS_KIND:
        found = parse_gdelt(result.body, url=url)
    else:
        found = search_results(result.text(), search.outlet, search_url=url)
    return _on_outlet_only(found, search.outlet), children


def _fetch_once(
    requests: Iterable[str | FetchRequest], policy: FetchPolicy
) -> dict[str, FetchResult | FetchError]:
    """Each URL fetched once, however many claims of the batch asked for it."""
    unique = list({_url(r): r for r in requests}.values())
    return dict(zip(map(_url, unique), fetch_all(unique, policy), strict=True))


def _url(request: str | FetchRequest) -> str:
    return request if isinstance(request, str) else request.url


def _discover(
    searches: list[_Search],
    claims: Sequence[ClaimInArticle],
    policy: FetchPolicy,
    routes: Routes,
    now: datetime,
) -> None:
    """Each search's candidates from its outlet's feeds, sitemaps and site search, and
    from the routes that are on: the sitemaps its robots.txt names, a web archive's
    captures, a news search. A listing that several claims of the batch search is
    fetched and read once."""
    asked = [
        (search, url, kind)
        for search in searches
        for url, kind in _discovery_urls(search, claims[search.claim])
    ]
    if routes.full_sitemaps:
        asked += _sitemaps_named_in_robots(searches, claims, policy)
    asked += _archive_queries(searches, claims, routes, now)
    asked += _news_queries(searches, claims, routes, now)
    # Feeds and sitemaps may come gzipped (a sitemap.xml.gz); pages never are read so.
    policy = replace(policy, content_types=policy.content_types + GZIP_TYPES)
    children = _read_all(asked, claims, policy)
    _read_all(children, claims, policy)


def _sitemaps_named_in_robots(
    searches: list[_Search], claims: Sequence[ClaimInArticle], policy: FetchPolicy
) -> list[tuple[_Search, str, str]]:
    """The sitemaps of outlets the registry names none for, as their robots.txt names
    them (each robots.txt read once for the batch), for claims of a known date: a full
    sitemap is read for the date's window, and without one would be read whole."""
    wanting = [
        search
        for search in searches
        if not search.outlet.sitemaps and claims[search.claim].published is not None
    ]
    origins = {id(search): site_origins(search.outlet) for search in wanting}
    named = robots_sitemaps((o for found in origins.values() for o in found), policy)
    asked = []
    for search in wanting:
        for origin in origins[id(search)]:
            answer = named[origin]
            if isinstance(answer, FetchError):
                search.supplementary_failures.append(_failure(f"{origin}/robots.txt", answer))
                continue
            for sitemap in stories_sitemaps(answer, search.outlet):
                asked.append((search, sitemap, FOUND_SITEMAP_KIND))
    return asked


def _archive_queries(
    searches: list[_Search], claims: Sequence[ClaimInArticle], routes: Routes, now: datetime
) -> list[tuple[_Search, str, str]]:
    """The web archive's index asked once per outlet and article date for the batch, for
    captures of the outlet's pages whose addresses hold words of the claims."""
    if not routes.archive_index_url:
        return []
    groups: dict[tuple[str, datetime], list[_Search]] = defaultdict(list)
    for search in searches:
        published = claims[search.claim].published
        if published is not None and search.outlet.domains and archive_reaches(published, now):
            groups[(search.outlet.name, published)].append(search)
    asked = []
    for (_outlet, published), group in groups.items():
        words = address_words((claims[s.claim].text for s in group), group[0].outlet)
        if not words:
            continue  # every capture of the outlet's days would be asked for, to no end
        middle, half = archive_window(published)
        for domain in by_first_domains(group[0].outlet):
            try:
                url = cdx_query_url(
                    routes.archive_index_url, domain, around=middle, window=half, words=words
                )
            except ValueError:
                continue  # a domain no index can be asked for (".")
            asked += [(search, url, ARCHIVE_KIND) for search in group]
    return asked


# The article's key terms a news search is asked with (GDELT ORs them).
NEWS_TERMS = 6


def _news_queries(
    searches: list[_Search], claims: Sequence[ClaimInArticle], routes: Routes, now: datetime
) -> list[tuple[_Search, str, str]]:
    """The news search asked once per article and outlet (not per claim), with the
    article's key terms and the outlet's domain, for articles recent enough for it."""
    if not routes.news_search_url:
        return []
    # By the hour: the claims of one article gathered in several tasks ask the same URL.
    now = now.replace(minute=0, second=0, microsecond=0)
    asked = []
    for search in searches:
        claim = claims[search.claim]
        if not (search.outlet.domains and covers(claim.published, now)):
            continue
        assert claim.published is not None  # covers() needs a date
        middle, half = archive_window(claim.published)
        try:
            url = gdelt_query_url(
                routes.news_search_url,
                key_terms(claim.article_text, limit=NEWS_TERMS),
                domain=search.outlet.domains[0],
                around=middle,
                window=half,
                now=now,
            )
        except ValueError:
            continue  # no term worth searching for
        asked.append((search, url, NEWS_KIND))
    return asked


def _failure(url: str, error: FetchError) -> Failure:
    return Failure(url, error.kind.value, str(error), error.retryable)


_Listing = tuple[list[Candidate], list[str]]  # a listing's candidates and child sitemaps


def _read_all(
    asked: list[tuple[_Search, str, str]], claims: Sequence[ClaimInArticle], policy: FetchPolicy
) -> list[tuple[_Search, str, str]]:
    """Fetch and read what the searches asked for, each URL once; the child sitemaps
    that sitemap indexes named, to read next."""
    fetched = _fetch_once((url for _s, url, kind in asked if kind not in API_KINDS), policy)
    fetched |= _ask_apis({url: kind for _s, url, kind in asked if kind in API_KINDS}, policy)
    read: dict[tuple[str, str, str, datetime | None], _Listing | FeedError] = {}
    children: list[tuple[_Search, str, str]] = []
    for search, url, kind in asked:
        search.consulted.append(url)
        outcome = fetched[url]
        failures = search.supplementary_failures if kind in SUPPLEMENTARY_KINDS else search.failures
        if isinstance(outcome, FetchError):
            failures.append(_failure(url, outcome))
            continue
        claim = claims[search.claim]
        # A sitemap is read around the claim's date; a feed or search page the same for all.
        dated = claim.published if kind in SITEMAP_KINDS else None
        key = (url, kind, search.outlet.name, dated)
        if key not in read:
            try:
                read[key] = _read_discovery(search, url, kind, outcome, claim)
            except FeedError as error:
                read[key] = error
            except Exception as error:  # one listing that cannot be read never fails its batch
                LOG.exception("reading the listing %s failed", url)
                read[key] = FeedError(f"Could not read {url} ({type(error).__name__}: {error}).")
        listing = read[key]
        if isinstance(listing, FeedError):
            # One unreadable listing does not stop the others; the outcome names it.
            failures.append(Failure(url, FailureKind.MALFORMED.value, str(listing)))
            continue
        search.listings_read += 1
        found, child_sitemaps = listing
        search.candidates += found
        search.listed_pages |= not child_sitemaps
        children += [(search, child, CHILD_KINDS[kind]) for child in child_sitemaps]
    return children


# The news search's answers, kept by each worker process by their query's URL (which
# holds the hour it was asked in): the claims of one article, gathered eight to a task,
# ask it once, not once a task. Answers are small (75 results at most).
NEWS_ANSWERS: LRUCache[str, FetchResult] = LRUCache(8 * 1_048_576, weigh=lambda r: len(r.body))


def _ask_apis(kinds: dict[str, str], policy: FetchPolicy) -> dict[str, FetchResult | FetchError]:
    """The answers of the routes' APIs (URL: its kind), a news search's from
    NEWS_ANSWERS when it was asked within the hour."""
    news = [url for url, kind in kinds.items() if kind == NEWS_KIND]
    answers: dict[str, FetchResult | FetchError] = {
        url: kept for url in news if (kept := NEWS_ANSWERS.get(url)) is not None
    }
    fetched = _fetch_once([url for url in kinds if url not in answers], api_policy(policy))
    for url in news:
        answer = fetched.get(url)
        if isinstance(answer, FetchResult):
            NEWS_ANSWERS.get_or_make(url, lambda answer=answer: answer)
    return answers | fetched


class _Pages:
    """The fetched pages of a batch, each archived once and read once however many of its
    claims rank it; read pages are also kept across batches (`READ_PAGES`)."""

    def __init__(self, archive: WarcArchive) -> None:
        self.archive = archive
        self._archived: dict[str, ArchivedRecord] = {}
        self._read: dict[str, Page] = {}
        self._lists: dict[str, bool] = {}

    def revisit(self, result: FetchResult, page: KnownPage) -> FetchResult:
        """The response a 304 stands for: the copy archived when the page was fetched,
        which stays its evidence; the archive notes the 304 as a revisit record."""
        copy = self.archive.read(page.archived.locator, sha256=page.archived.sha256)
        self.archive.write_revisit(result, copy)
        self._archived[result.url] = page.archived
        return replace(
            result,
            status=copy.status,
            headers=copy.headers,
            body=copy.body,
            content_type=copy.headers.get("content-type", "").split(";")[0].strip().lower(),
            fetched_at=copy.fetched_at,
            not_modified=False,
        )

    def archived(self, result: FetchResult) -> ArchivedRecord:
        if result.url not in self._archived:
            self._archived[result.url] = self.archive.write(result)
        return self._archived[result.url]

    def lists_stories(self, result: FetchResult) -> bool:
        """Whether the page is a list of stories, not one (see `not_an_article`)."""
        if result.url not in self._lists:
            html = "html" in result.content_type
            text = self.read(result).text if html else ""
            self._lists[result.url] = html and not_an_article(result.text(), text) is not None
        return self._lists[result.url]

    def read(self, result: FetchResult) -> Page:
        if result.url not in self._read:
            # By content: a page that changed since it was read is read again. The
            # charset is part of the key, since it decides the text.
            key = (
                result.final_url,
                self.archived(result).sha256,
                result.headers.get("content-type", ""),
            )
            self._read[result.url] = READ_PAGES.get_or_make(
                key, lambda: read_page(page_text(result.text(), result.content_type))
            )
        return self._read[result.url]


def _fetch_pages(
    urls: list[str], known: dict[str, KnownPage], pages: _Pages, policy: FetchPolicy
) -> dict[str, FetchResult | FetchError]:
    """The pages, asked for only if changed when fetched before. An unchanged page is
    read from its archived copy; one whose copy cannot be read is fetched again."""
    requests = [
        FetchRequest(url, known[url].etag, known[url].last_modified) if url in known else url
        for url in urls
    ]
    fetched = _fetch_once(requests, policy)
    unreadable = []
    for url, outcome in fetched.items():
        if not (isinstance(outcome, FetchResult) and outcome.not_modified):
            continue
        if url not in known:
            fetched[url] = _unasked_304(url)
            continue
        try:
            fetched[url] = pages.revisit(outcome, known[url])
        except (ArchiveError, OSError):
            unreadable.append(url)
    again = _fetch_once(unreadable, policy) if unreadable else {}
    for url, outcome in again.items():
        fetched[url] = (
            _unasked_304(url)
            if isinstance(outcome, FetchResult) and outcome.not_modified
            else outcome
        )
    return fetched


def _unasked_304(url: str) -> FetchFailed:
    return FetchFailed(
        f"{url} answered 304 Not Modified to a request that was not conditional.", url=url
    )


def _evidence_from_page(
    search: _Search,
    candidate: Candidate,
    outcome: FetchResult | FetchError,
    claim: ClaimInArticle,
    reading: Claim,
    pages: _Pages,
    registry: Registry,
) -> Evidence:
    common = {
        "outlet": search.outlet.name,
        "url": candidate.url,
        "source": candidate.source,
        "depth": search.depth,
        "parent_url": search.parent_url,
        "title": candidate.title,
        "published": candidate.published,
    }
    if isinstance(outcome, FetchError):
        return Evidence(
            **common,
            error=str(outcome),
            error_kind=outcome.kind.value,
            error_retryable=outcome.retryable,
        )
    try:
        if pages.lists_stories(outcome):
            alignment = Alignment(NOT_AN_ARTICLE, 0.0)
        else:
            alignment = align(
                reading,
                pages.read(outcome),
                claim_published=claim.published,
                page_published=candidate.published,
                registry=registry,
                own_outlet=search.outlet.name,
            )
    except Exception as error:  # one page that cannot be read never fails its batch
        LOG.exception("reading %s for a claim failed", candidate.url)
        return Evidence(
            **common,
            error=f"The page was fetched but could not be read: {error}",
            error_kind=FailureKind.MALFORMED.value,
        )
    return Evidence(**common, result=outcome, archived=pages.archived(outcome), alignment=alignment)


def _gather_level(
    searches: list[_Search],
    claims: Sequence[ClaimInArticle],
    *,
    registry: Registry,
    policy: FetchPolicy,
    archive: WarcArchive,
    pages_per_outlet: int,
    routes: Routes,
    now: datetime,
) -> list[Gathered]:
    """One hop of the citation chain for every claim of the batch: what was found for
    each claim, in the batch's order."""
    _discover(searches, claims, policy, routes, now)
    by_search = _read_in_turns(
        searches,
        claims,
        registry=registry,
        policy=policy,
        pages=_Pages(archive),
        pages_per_outlet=pages_per_outlet,
        routes=routes,
    )
    gathered = [Gathered([], []) for _claim in claims]
    for search in searches:
        gathered[search.claim].evidence.extend(by_search[id(search)])
        outcome = _outcome(search, by_search[id(search)], claims[search.claim])
        gathered[search.claim].outcomes.append(outcome)
    return gathered


def _read_in_turns(
    searches: list[_Search],
    claims: Sequence[ClaimInArticle],
    *,
    registry: Registry,
    policy: FetchPolicy,
    pages: _Pages,
    pages_per_outlet: int,
    routes: Routes,
) -> dict[int, list[Evidence]]:
    """The pages each search reads (by `id` of the search): its best-ranked FIRST_PAGES
    candidates, then, while `_read_on` says so, the rest of its best `pages_per_outlet`
    in one more turn. Each turn fetches every search's pages together, each URL once."""
    queues = {
        id(search): _ranked(search, claims[search.claim], pages_per_outlet) for search in searches
    }
    known = {page.url: page for claim in claims for page in claim.known_pages}
    fetched: dict[str, FetchResult | FetchError] = {}
    by_search: dict[int, list[Evidence]] = {id(search): [] for search in searches}
    read_claims: dict[int, Claim] = {}  # each claim read once, for every page it meets
    still_reading, take = searches, min(FIRST_PAGES, pages_per_outlet)
    while still_reading:
        turn = [(s, candidate) for s in still_reading for candidate in queues[id(s)][:take]]
        for search in still_reading:
            del queues[id(search)][:take]
        wanted = [candidate.url for _search, candidate in turn if candidate.url not in fetched]
        fetched |= _fetch_pages(list(dict.fromkeys(wanted)), known, pages, policy)
        fetched |= _copies_of_gone_pages(turn, fetched, claims, routes, policy)
        for search, candidate in turn:
            claim = claims[search.claim]
            if search.claim not in read_claims:
                read_claims[search.claim] = read_claim(claim.text, registry, claim.speaker)
            found = _evidence_from_page(
                search,
                candidate,
                fetched[candidate.url],
                claim,
                read_claims[search.claim],
                pages,
                registry,
            )
            by_search[id(search)].append(found)
        still_reading = [s for s in still_reading if queues[id(s)] and _read_on(by_search[id(s)])]
        take = pages_per_outlet
    return by_search


def _copies_of_gone_pages(
    turn: list[tuple[_Search, Candidate]],
    fetched: dict[str, FetchResult | FetchError],
    claims: Sequence[ClaimInArticle],
    routes: Routes,
    policy: FetchPolicy,
) -> dict[str, FetchResult]:
    """Archived copies of the turn's pages that are gone from their sites (or whose
    sites cannot be reached), each the capture closest to its claim's article date."""
    gone = {
        candidate.url: claims[search.claim].published
        for search, candidate in turn
        if isinstance(fetched[candidate.url], FetchError) and is_gone(fetched[candidate.url])
    }
    return archived_copies(gone, routes, policy)


def _ranked(search: _Search, claim: ClaimInArticle, limit: int) -> list[Candidate]:
    """The search's candidates, best first, at most `limit`."""
    ranked = rank_candidates(search.candidates, claim.text, published=claim.published, limit=limit)
    return [r.candidate for r in ranked]


# Reading an outlet's further pages stops at a page that holds the claim (its quote, as
# printed or not, or its facts). "quote not in source" does not stop it: a follow-up
# story naming the speaker may rank above the story that carries the quote.
HOLDS_THE_CLAIM = frozenset({QUOTE_FOUND, QUOTE_DIFFERS, CORROBORATES})


def _read_on(evidence: list[Evidence]) -> bool:
    """Whether an outlet's further pages are worth reading: none read so far holds the
    claim, and the host is not in trouble (a failure that may pass: a timeout, a 5xx, a
    refused connection). A story gone (404) is no reason to stop."""
    if any(found.error is not None and found.error_retryable for found in evidence):
        return False
    return not any(
        found.alignment and found.alignment.hint in HOLDS_THE_CLAIM for found in evidence
    )


def _outcome(search: _Search, evidence: list[Evidence], claim: ClaimInArticle) -> OutletOutcome:
    read = [found for found in evidence if found.error is None]
    # A route that only adds to the outlet's listings counts as failed when nothing else
    # of the outlet answered, and nothing of its own failed (which says why already).
    answered = search.listed_pages or search.candidates_from_links or bool(read)
    supplementary = [] if answered or search.failures else search.supplementary_failures
    failed = [
        Failure(
            found.url,
            found.error_kind or FailureKind.OTHER.value,
            found.error,
            found.error_retryable,
        )
        for found in evidence
        if found.error is not None
    ]
    searched = Searched(
        routes=search.routes,
        listings=search.listings_read,
        pages_read=len(read),
        window=date_window(claim.published, SITEMAP_WINDOW) if search.outlet.sitemaps else None,
    )
    return decide_outcome(
        search.outlet.name,
        searched=searched,
        meanings=[meaning_of(found.hints) for found in read],
        failures=[*search.failures, *supplementary, *failed],
        depth=search.depth,
    )


def gather(
    claim: ClaimInArticle,
    *,
    registry: Registry,
    policy: FetchPolicy,
    archive: WarcArchive,
    wire_agencies: Sequence[str] = (),
    chain_depth: int = 1,
    pages_per_outlet: int = PAGES_PER_OUTLET,
    routes: Routes = OUTLETS_OWN_ROUTES,
    now: datetime | None = None,
) -> Gathered:
    """What gathering finds for one claim: `gather_batch` of a batch of one."""
    [gathered] = gather_batch(
        [claim],
        registry=registry,
        policy=policy,
        archive=archive,
        wire_agencies=wire_agencies,
        chain_depth=chain_depth,
        pages_per_outlet=pages_per_outlet,
        routes=routes,
        now=now,
    )
    return gathered


def gather_batch(
    claims: Sequence[ClaimInArticle],
    *,
    registry: Registry,
    policy: FetchPolicy,
    archive: WarcArchive,
    wire_agencies: Sequence[str] = (),
    chain_depth: int = 1,
    pages_per_outlet: int = PAGES_PER_OUTLET,
    routes: Routes = OUTLETS_OWN_ROUTES,
    now: datetime | None = None,
) -> list[Gathered]:
    """For each claim, every page fetched for it and the outcome of each outlet searched,
    following citation chains (a source crediting another outlet) up to `chain_depth`
    hops, reading at most `pages_per_outlet` pages of each outlet. Besides the outlets'
    feeds, sitemaps and search pages, the `routes` that are on are asked (see
    `factcheck.crossref.routes`); `now` (by default the present) decides which of them
    reach the articles' dates. Claims gathered
    together (the claims of an article, say) share what they would each fetch: a feed,
    sitemap or page that several of them need is fetched, archived and read once, then
    weighed against each claim on its own."""
    now = now or datetime.now(UTC)
    claims = [replace(claim, published=plausible_date(claim.published, now)) for claim in claims]
    searches = _first_searches(claims, registry, wire_agencies)
    # An outlet the claim is searched at first-hand is never searched again down a chain
    # (not even when gathering again at another outlet only: it keeps its own outcome).
    searched = [_first_hand(claim, registry, wire_agencies) for claim in claims]
    gathered = [Gathered([], []) for _claim in claims]
    for depth in range(chain_depth + 1):
        if not searches:
            break
        level = _gather_level(
            searches,
            claims,
            registry=registry,
            policy=policy,
            archive=archive,
            pages_per_outlet=pages_per_outlet,
            routes=routes,
            now=now,
        )
        searches = []
        for index, found in enumerate(level):
            gathered[index].evidence.extend(found.evidence)
            gathered[index].outcomes.extend(found.outcomes)
            for item in found.evidence:
                for name in item.alignment.credited_to if item.alignment else ():
                    outlet = registry.get(name)
                    if outlet and name not in searched[index] and depth < chain_depth:
                        searched[index].add(name)
                        searches.append(_Search(index, outlet, depth + 1, item.url))
    return gathered


# The dates an article may have: a date outside them is a mistake (Go's zero time,
# 0001-01-01, from an API client) and is taken as unknown.
EARLIEST_ARTICLE = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=366)


def plausible_date(published: datetime | None, now: datetime) -> datetime | None:
    """`published` as an aware UTC datetime, or None when unknown or implausible."""
    if published is None:
        return None
    try:
        moment = as_utc(published)
    except OverflowError:
        return None
    return moment if EARLIEST_ARTICLE <= moment <= now + LATEST_AHEAD else None


def _first_hand(
    claim: ClaimInArticle, registry: Registry, wire_agencies: Sequence[str]
) -> set[str]:
    every = outlets_to_search(replace(claim, only_outlets=()), registry, wire_agencies)
    return {outlet.name for outlet in every}


def _first_searches(
    claims: Sequence[ClaimInArticle], registry: Registry, wire_agencies: Sequence[str]
) -> list[_Search]:
    """A search per claim and outlet to search, starting from the article's links to the
    outlet (an article's page is read once per outlet, not once per claim)."""
    links: dict[tuple[str, str | None, str], list[Candidate]] = {}
    searches = []
    for index, claim in enumerate(claims):
        page = claim.article_html or claim.article_text
        for outlet in outlets_to_search(claim, registry, wire_agencies):
            key = (page, claim.article_url, outlet.name)
            if key not in links:
                links[key] = links_to(page, outlet, base_url=claim.article_url)
            search = _Search(index, outlet, 0, None, list(links[key]))
            search.candidates_from_links = bool(links[key])
            searches.append(search)
    return searches
