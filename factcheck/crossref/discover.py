"""Candidates: the pages of an outlet that may bear on a claim, and how likely each does.

Feeds and sitemaps are parsed in `factcheck.crossref.feeds`; this module holds what the
strategies share (`Candidate`), builds site-search URLs from a claim's key terms, finds
links to an outlet in an article or a search page, and ranks candidates against a claim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote_plus, urljoin, urlsplit

import lxml.html
from lxml import etree

from factcheck.crossref.terms import content_words, key_terms, quotations
from factcheck.outlets.registry import Outlet

ARTICLE_LINK = "article link"
FEED = "feed"
SITEMAP = "sitemap"
SEARCH = "search"
ARCHIVE = "web archive"  # a capture listed by a web archive's index (CDX)
NEWS_SEARCH = "news search"  # a result of a news search API (GDELT)

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
    FEED, SITEMAP, SEARCH, ARCHIVE or NEWS_SEARCH. `published` is timezone-aware (UTC)
    when known."""

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
    """Whether `url` is on one of the outlet's domains (subdomains included); an address
    that cannot be read ("http://[x/") is on none."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    return any(host == domain or host.endswith("." + domain) for domain in outlet.domains)


# Parts of a page that hold the site's own navigation, never a story it links to. A
# header or footer inside an article is the article's own (a search result's title link
# sits in one), not the site's.
CHROME_TAGS = frozenset({"nav", "aside", "menu"})
SITE_CHROME_TAGS = frozenset({"header", "footer"})
ITEM_TAGS = frozenset({"article"})
# The first segment of a URL path that lists stories rather than telling one: a section,
# a tag, a topic, an author's page, a search.
LISTING_SEGMENTS = frozenset(
    {
        "author",
        "authors",
        "categories",
        "category",
        "search",
        "section",
        "sections",
        "site-search",
        "tag",
        "tags",
        "topic",
        "topics",
    }
)


# The query keys that name one story on a site's home address ("/?p=1234"); others there
# ("/?s=", "/?page=", "/?lang=") are searches and listings.
STORY_QUERY_KEYS = frozenset({"p", "id", "story", "article", "articleid", "storyid"})


class _LinkParser(HTMLParser):
    """The links of a page with their text, less those in its navigation (`CHROME_TAGS`,
    the site's header and footer, or an element with role="navigation")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.text: list[str] = []  # the text outside links and navigation
        self._href: str | None = None
        self._text: list[str] = []
        self._open_chrome: list[str] = []
        self._open_items = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ITEM_TAGS:
            self._open_items += 1
        site_chrome = tag in SITE_CHROME_TAGS and not self._open_items
        if tag in CHROME_TAGS or site_chrome or attributes.get("role") == "navigation":
            self._open_chrome.append(tag)
        if tag == "a" and not self._open_chrome:
            self._href = attributes.get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)
        elif not self._open_chrome:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ITEM_TAGS and self._open_items:
            self._open_items -= 1
        if tag in self._open_chrome:
            # Close the innermost chrome element of that tag (and any left open in it).
            del self._open_chrome[len(self._open_chrome) - 1 - self._open_chrome[::-1].index(tag) :]
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def links_to(
    page: str, outlet: Outlet, *, base_url: str | None = None, source: str = ARTICLE_LINK
) -> list[Candidate]:
    """The links in `page` (HTML or plain text) that point at the outlet's stories, in
    order, without repeats; an anchor's text becomes the candidate's title. Links in the
    page's navigation and links to pages that list stories (see `is_story_url`) are left
    out."""
    parser = _LinkParser()
    parser.feed(page)
    parser.close()
    found = [(urljoin(base_url or "", href), text) for href, text in parser.links]
    written = " ".join(parser.text)  # addresses written out in the text, not in markup
    found += [(url.rstrip(".,;:"), "") for url in _BARE_URL.findall(written)]
    candidates: dict[str, Candidate] = {}
    for url, text in found:
        url = url.split("#")[0]
        if url == base_url or url in candidates:
            continue
        if not on_outlet(url, outlet) or not is_story_url(url):
            continue
        candidates[url] = Candidate(url=url, title=text or None, source=source)
    return list(candidates.values())


def is_story_url(url: str) -> bool:
    """Whether `url` may be a story: not a site's home page (unless its query names a
    story: WordPress's "/?p=1234"), and not a section, tag, topic, author or search page
    or a listing's next page (by the first segments of its path)."""
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.lower().split("/") if segment]
    if not segments:
        return bool(STORY_QUERY_KEYS & parse_qs(parts.query).keys())
    if segments[0] == "page" and len(segments) > 1 and segments[1].isdigit():
        return False  # a listing's second page
    return segments[0] not in LISTING_SEGMENTS


# A page whose links hold more than MAX_LINKS_PER_PROSE_WORD words for each word of its
# prose (lines of PROSE_LINE_WORDS words or more ending a sentence), MIN_LISTING_LINK_WORDS
# at least, lists stories: a home page, a section, a tag page. On 25 real news pages
# (news-dev, measured at benchmark time, not kept in the repository) the ratio is 0.0 to
# 2.4, most under 0.6; a page of headlines has next to no prose, so its ratio is in the
# tens or more.
MAX_LINKS_PER_PROSE_WORD = 4.0
MIN_LISTING_LINK_WORDS = 40
PROSE_LINE_WORDS = 8
_SENTENCE_END = re.compile(r"[.!?。！？…][\"”’»)\]]*$")
_ARTICLE_TYPE = re.compile(r"\w*(?:Article|BlogPosting|Report)$")


def not_an_article(html: str, text: str) -> str | None:
    """Why a fetched HTML page (`text`: its readable text, one paragraph per line) is not
    a story but a list of them (a home page, a section or tag page), or None when it may
    be one. A page that says it is an article (Open Graph's og:type, a schema.org
    *Article as the JSON-LD's own type) is one; og:type "website" alone proves nothing
    (real stories carry it too)."""
    try:
        tree = lxml.html.fromstring(html)
        kinds = [k.strip().lower() for k in tree.xpath("//meta[@property='og:type']/@content")]
        if any(kind.startswith("article") for kind in kinds) or _declares_an_article(tree):
            return None
        for chrome in tree.xpath("//script | //style | //nav | //header | //footer | //aside"):
            chrome.drop_tree()
        link_words = sum(len(link.text_content().split()) for link in tree.iter("a"))
    except (etree.LxmlError, ValueError):
        return None  # lxml cannot read it: trafilatura's reading stands.
    prose = sum(
        len(words)
        for words in (line.split() for line in text.splitlines())
        if len(words) >= PROSE_LINE_WORDS and _SENTENCE_END.search(words[-1])
    )
    if link_words >= MIN_LISTING_LINK_WORDS and link_words > MAX_LINKS_PER_PROSE_WORD * prose:
        return f"a list of stories ({link_words} words of links, {prose} of prose), not a story"
    return None


def _declares_an_article(tree: lxml.html.HtmlElement) -> bool:
    """Whether the page's JSON-LD gives an *Article as its own type (top level, or a
    node of its @graph); articles listed inside an ItemList do not count."""
    for data in tree.xpath(_JSON_LD):
        try:
            found = json.loads(data)
        except ValueError:
            continue
        nodes = _as_list(found)
        nodes += [
            g for node in nodes if isinstance(node, dict) for g in _as_list(node.get("@graph"))
        ]
        for node in nodes:
            kinds = _as_list(node.get("@type")) if isinstance(node, dict) else []
            if any(isinstance(kind, str) and _ARTICLE_TYPE.match(kind) for kind in kinds):
                return True
    return False


def _as_list(value: object) -> list[object]:
    """JSON-LD's "one or many": a list as it is, one value as a list of it, none as []."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


_JSON_LD = "//script[@type='application/ld+json']/text()"


def search_results(page: str, outlet: Outlet, *, search_url: str) -> list[Candidate]:
    """The result links of an outlet's search page: its links back to the outlet's
    stories, not its navigation, sections or other searches."""
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
    return len(wanted & _listed_words(candidate)) / len(wanted)


@lru_cache(maxsize=4096)
def _listed_words(candidate: Candidate) -> frozenset[str]:
    """The words a listing gives a candidate (title, summary, URL slug): worked out once,
    however many claims of a batch rank the same feed's candidates."""
    slug = re.sub(r"[-_/.]+", " ", urlsplit(candidate.url).path)
    return frozenset(content_words(f"{candidate.title or ''} {candidate.summary or ''} {slug}"))


def date_closeness(first: datetime | None, second: datetime | None) -> float:
    """1.0 for two moments within a day of each other, falling to 0.0 at DATE_HORIZON
    beyond that; 0.0 when either is unknown."""
    if first is None or second is None:
        return 0.0
    distance = abs(as_utc(first) - as_utc(second))
    return max(0.0, 1 - max(distance - timedelta(days=1), timedelta()) / DATE_HORIZON)
