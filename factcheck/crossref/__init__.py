"""Cross-references from the cited outlets: gathering them, and keeping what was found.

- `discover` and `feeds`: candidate pages of an outlet for a claim, from the article's
  links, RSS/Atom feeds, (news) sitemaps and sitemap indexes, and site search; ranked.
- `fetcher`: the asynchronous outbound client for this work (per-host limits, robots.txt,
  retries, conditional requests), over `net`; `fetch_all` runs a batch from synchronous
  code. `gates` shares per-host turns between workers.
- `archive`: every fetched response kept in WARC files, read back verified by SHA-256.
- `passages`: a fetched page's readable text, cut into passages with their words and
  quotations, read once for every claim aligned with it.
- `speakers`: who a page gives a quotation to, and whether two names are one person.
- `align`: the passages of a page that bear on a claim, with a hint for the reviewer,
  the word-level diff of a misquote (of the whole quote, and of its speaker) and the
  outlets the source itself credits.
- `gather`: one batch of claims gathered, as plain Python: no database, no Celery.
- `store`: the results in the database, and each claim's gathering as a small state
  machine (waiting -> running -> done, or failed).

May import the ground floor, `net`, `outlets`, `extract` and `audit`.
"""

from factcheck.crossref.align import (
    CORROBORATES,
    MENTIONS,
    NO_MATCHING_REPORT,
    QUOTE_DIFFERS,
    QUOTE_FOUND,
    Alignment,
    ScoredPassage,
    align,
    quote_diff,
)
from factcheck.crossref.archive import (
    ArchivedRecord,
    ArchivedResponse,
    ArchiveError,
    RecordLocator,
    WarcArchive,
)
from factcheck.crossref.discover import (
    ARTICLE_LINK,
    FEED,
    SEARCH,
    SITEMAP,
    Candidate,
    RankedCandidate,
    build_search_url,
    links_to,
    rank_candidates,
    search_query,
    search_results,
)
from factcheck.crossref.feeds import FeedError, Sitemap, parse_feed, parse_sitemap
from factcheck.crossref.fetcher import (
    Fetcher,
    FetchFailed,
    FetchPolicy,
    FetchRequest,
    FetchResult,
    fetch_all,
)
from factcheck.crossref.passages import Passage, page_text, split_passages
from factcheck.crossref.terms import key_terms, quotations

__all__ = [
    "ARTICLE_LINK",
    "CORROBORATES",
    "FEED",
    "MENTIONS",
    "NO_MATCHING_REPORT",
    "QUOTE_DIFFERS",
    "QUOTE_FOUND",
    "SEARCH",
    "SITEMAP",
    "Alignment",
    "ArchiveError",
    "ArchivedRecord",
    "ArchivedResponse",
    "Candidate",
    "FeedError",
    "FetchFailed",
    "FetchPolicy",
    "FetchRequest",
    "FetchResult",
    "Fetcher",
    "Passage",
    "RankedCandidate",
    "RecordLocator",
    "ScoredPassage",
    "Sitemap",
    "WarcArchive",
    "align",
    "build_search_url",
    "fetch_all",
    "key_terms",
    "links_to",
    "page_text",
    "parse_feed",
    "parse_sitemap",
    "quotations",
    "quote_diff",
    "rank_candidates",
    "search_query",
    "search_results",
    "split_passages",
]
