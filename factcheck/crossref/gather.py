"""Gathering a claim's cross-references: which outlets to search, their candidate pages
(article links, feeds, sitemaps, site search), the best pages fetched, archived and
aligned with the claim, and one hop further along the citation chain.

Plain Python: the caller (a Celery task) stores what this returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from factcheck.crossref.align import NO_MATCHING_REPORT, Alignment, align, page_text
from factcheck.crossref.archive import ArchivedRecord, WarcArchive
from factcheck.crossref.discover import (
    Candidate,
    build_search_url,
    links_to,
    on_outlet,
    rank_candidates,
    search_results,
)
from factcheck.crossref.feeds import FeedError, parse_feed, parse_sitemap
from factcheck.crossref.fetcher import FetchPolicy, FetchResult, fetch_all
from factcheck.fetch import FetchError
from factcheck.outlets import Outlet, Registry

PAGES_PER_OUTLET = 3  # the best-ranked candidates fetched for each outlet
CITATION = "citation"


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


@dataclass(frozen=True)
class Evidence:
    """One page of an outlet considered for the claim, or the record that the outlet was
    searched and offered nothing (`alignment.hint == NO_MATCHING_REPORT`, no `result`)."""

    outlet: str
    url: str
    source: str
    depth: int = 0
    parent_url: str | None = None
    result: FetchResult | None = None
    archived: ArchivedRecord | None = None
    alignment: Alignment | None = None
    error: str | None = None

    @property
    def hints(self) -> tuple[str, ...]:
        if self.error:
            return ("fetch failed",)
        return self.alignment.hints if self.alignment else (NO_MATCHING_REPORT,)


@dataclass
class _Search:
    outlet: Outlet
    depth: int
    parent_url: str | None
    candidates: list[Candidate] = field(default_factory=list)
    consulted: list[str] = field(default_factory=list)


def outlets_to_search(
    claim: ClaimInArticle, registry: Registry, wire_agencies: Sequence[str]
) -> list[Outlet]:
    """The outlets the claim cites; those credited for the whole article (unless the
    article is on that outlet's own site); and, for a named speaker's quote that cites
    no outlet, the wire agencies."""
    names = list(claim.cited_outlets)
    for name in claim.credited_outlets:
        outlet = registry.get(name)
        if outlet and not (claim.article_url and on_outlet(claim.article_url, outlet)):
            names.append(name)
    if not names and claim.speaker and claim.kind == "quote":
        names.extend(wire_agencies)
    return [registry.get(name) for name in dict.fromkeys(names) if registry.get(name)]


def _discovery_urls(search: _Search, claim: ClaimInArticle) -> list[tuple[str, str]]:
    outlet = search.outlet
    urls = [(feed, "feed") for feed in outlet.feeds] + [(s, "sitemap") for s in outlet.sitemaps]
    if outlet.search_url:
        urls.append((build_search_url(outlet.search_url, claim.text), "search"))
    return urls


MAX_URL_LENGTH = 2048  # the longest URL a cross-reference row keeps


def _on_outlet_only(candidates: list[Candidate], outlet: Outlet) -> list[Candidate]:
    """A feed or sitemap may link anywhere; evidence "from Reuters" is on Reuters' site."""
    return [c for c in candidates if len(c.url) <= MAX_URL_LENGTH and on_outlet(c.url, outlet)]


def _read_discovery(
    search: _Search, url: str, kind: str, result: FetchResult, claim: ClaimInArticle
) -> None:
    try:
        if kind == "feed":
            found = parse_feed(result.body, feed_url=url)
        elif kind == "sitemap":
            found = parse_sitemap(result.body, around=claim.published, sitemap_url=url).candidates
        else:
            found = search_results(result.text(), search.outlet, search_url=url)
        search.candidates += _on_outlet_only(found, search.outlet)
    except FeedError:
        pass  # one unreadable feed does not stop the others; the outlet may still match


def _evidence_from_page(
    search: _Search,
    candidate: Candidate,
    outcome: FetchResult | FetchError,
    claim: ClaimInArticle,
    archive: WarcArchive,
    registry: Registry,
) -> Evidence:
    common = {
        "outlet": search.outlet.name,
        "url": candidate.url,
        "source": candidate.source,
        "depth": search.depth,
        "parent_url": search.parent_url,
    }
    if isinstance(outcome, FetchError):
        return Evidence(**common, error=str(outcome))
    alignment = align(
        claim.text,
        page_text(outcome.text(), outcome.content_type),
        claim_published=claim.published,
        page_published=candidate.published,
        registry=registry,
        own_outlet=search.outlet.name,
    )
    return Evidence(**common, result=outcome, archived=archive.write(outcome), alignment=alignment)


def _gather_level(
    searches: list[_Search],
    claim: ClaimInArticle,
    *,
    registry: Registry,
    policy: FetchPolicy,
    archive: WarcArchive,
) -> list[Evidence]:
    discovery = [
        (search, url, kind) for search in searches for url, kind in _discovery_urls(search, claim)
    ]
    for (search, url, kind), outcome in zip(
        discovery, fetch_all([url for _s, url, _k in discovery], policy), strict=True
    ):
        search.consulted.append(url)
        if not isinstance(outcome, FetchError):
            _read_discovery(search, url, kind, outcome, claim)
    pages = [
        (search, ranked.candidate)
        for search in searches
        for ranked in rank_candidates(
            search.candidates, claim.text, published=claim.published, limit=PAGES_PER_OUTLET
        )
    ]
    outcomes = fetch_all([candidate.url for _s, candidate in pages], policy)
    evidence = [
        _evidence_from_page(search, candidate, outcome, claim, archive, registry)
        for (search, candidate), outcome in zip(pages, outcomes, strict=True)
    ]
    for search in searches:
        if not any(e.outlet == search.outlet.name for e in evidence):
            where = search.consulted[0] if search.consulted else f"outlet:{search.outlet.name}"
            evidence.append(
                Evidence(search.outlet.name, where, "search", search.depth, search.parent_url)
            )
    return evidence


def gather(
    claim: ClaimInArticle,
    *,
    registry: Registry,
    policy: FetchPolicy,
    archive: WarcArchive,
    wire_agencies: Sequence[str] = (),
    chain_depth: int = 1,
) -> list[Evidence]:
    """Every page considered for the claim, best evidence per outlet included, following
    citation chains (a source crediting another outlet) up to `chain_depth` hops."""
    article_page = claim.article_html or claim.article_text
    searches = [
        _Search(outlet, 0, None, links_to(article_page, outlet, base_url=claim.article_url))
        for outlet in outlets_to_search(claim, registry, wire_agencies)
    ]
    searched = {search.outlet.name for search in searches}
    evidence: list[Evidence] = []
    for depth in range(chain_depth + 1):
        if not searches:
            break
        level = _gather_level(searches, claim, registry=registry, policy=policy, archive=archive)
        evidence += level
        searches = []
        for item in level:
            for name in item.alignment.credited_to if item.alignment else ():
                outlet = registry.get(name)
                if outlet and name not in searched and depth < chain_depth:
                    searched.add(name)
                    searches.append(_Search(outlet, depth + 1, item.url))
    return evidence
