"""What searching one outlet for one claim came to, and what each page's hint means.

A reviewer must never read a search that failed, or one that could not be made, as
"the outlet did not report this". So each (claim, outlet) gets one outcome:

- `found`: at least one page supports, contradicts or relates to the claim;
- `nothing_found`: the outlet was searched, every request answered, and nothing bore on
  the claim (what was searched is kept: routes, listings read, pages read, date window);
- `could_not_check`: nothing was found and at least one request failed; each failure is
  kept with its URL and its reason (DNS, connect, timeout, HTTP status, robots.txt, too
  large, malformed);
- `not_searchable`: factcheck knows no way to search the outlet (no feed, sitemap or
  search page, and no link to it in the article).

Plain Python: `gather` builds these, `store` keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from factcheck.crossref.align import (
    CORROBORATES,
    MENTIONS,
    NO_MATCHING_REPORT,
    NOT_AN_ARTICLE,
    QUOTE_DIFFERS,
    QUOTE_FOUND,
    QUOTE_NOT_IN_SOURCE,
)
from factcheck.net.fetch import FAILURE_LABELS, FailureKind

FOUND = "found"
NOTHING_FOUND = "nothing_found"
COULD_NOT_CHECK = "could_not_check"
NOT_SEARCHABLE = "not_searchable"
OUTCOMES = (FOUND, NOTHING_FOUND, COULD_NOT_CHECK, NOT_SEARCHABLE)
OUTCOME_LABELS = {
    FOUND: "found",
    NOTHING_FOUND: "nothing found",
    COULD_NOT_CHECK: "could not check",
    NOT_SEARCHABLE: "not searchable",
}

# What a page's hint means for the claim. A page credits another outlet ("credited to X")
# is a link in a citation chain even when its own words bear on nothing.
SUPPORTS = "supports"
CONTRADICTS = "contradicts"
RELATED = "related"
CHAIN = "chain"
REJECTED = "rejected"
HINT_MEANINGS = {
    QUOTE_FOUND: SUPPORTS,
    CORROBORATES: SUPPORTS,
    QUOTE_DIFFERS: CONTRADICTS,
    QUOTE_NOT_IN_SOURCE: CONTRADICTS,
    MENTIONS: RELATED,
    NO_MATCHING_REPORT: REJECTED,
    NOT_AN_ARTICLE: REJECTED,
}
CREDITED_TO = "credited to "
# The meanings that make an outlet's outcome `found`.
EVIDENCE = frozenset({SUPPORTS, CONTRADICTS, RELATED})


def meaning_of(hints: Sequence[str]) -> str:
    """What a page with these hints (the main hint first) means for the claim."""
    main = HINT_MEANINGS.get(hints[0], REJECTED) if hints else REJECTED
    if main == REJECTED and any(hint.startswith(CREDITED_TO) for hint in hints):
        return CHAIN
    return main


# A could-not-check search that failed for a passing reason is gathered again after
# RETRY_FIRST, then after twice as long each time, up to RETRY_LONGEST, MAX_RETRIES times.
RETRY_FIRST = timedelta(minutes=5)
RETRY_LONGEST = timedelta(hours=6)
MAX_RETRIES = 5
PASSING = frozenset({FailureKind.DNS, FailureKind.CONNECT, FailureKind.TIMEOUT})


@dataclass(frozen=True)
class Failure:
    """One request that failed while searching an outlet. `retryable`: the fetcher said
    trying again later may succeed (a 5xx, a 429, a network error)."""

    url: str
    kind: str  # a FailureKind value
    message: str
    retryable: bool = False

    @property
    def passing(self) -> bool:
        """Whether the failure may go away by itself, so a later search may succeed."""
        return self.retryable or self.kind in PASSING

    @property
    def label(self) -> str:
        return FAILURE_LABELS[FailureKind(self.kind)]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        try:
            kind = FailureKind(data.get("kind"))
        except ValueError:
            kind = FailureKind.OTHER
        return cls(
            str(data.get("url", "")),
            kind.value,
            str(data.get("message", "")),
            bool(data.get("retryable", False)),
        )


@dataclass(frozen=True)
class Searched:
    """What was searched: the routes asked (feeds, sitemaps, search pages, and the
    article's links), how many listings answered and were read, how many pages were
    read, and the date window sitemaps were read for (none when the date is unknown)."""

    routes: tuple[str, ...] = ()
    listings: int = 0
    pages_read: int = 0
    window: tuple[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "routes": list(self.routes),
            "listings": self.listings,
            "pages_read": self.pages_read,
            "window": list(self.window) if self.window else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Searched:
        window = data.get("window")
        return cls(
            tuple(data.get("routes") or ()),
            int(data.get("listings") or 0),
            int(data.get("pages_read") or 0),
            (str(window[0]), str(window[1])) if window else None,
        )


@dataclass(frozen=True)
class OutletOutcome:
    outlet: str
    outcome: str
    reason: str
    searched: Searched = field(default_factory=Searched)
    failures: tuple[Failure, ...] = ()
    depth: int = 0

    def failures_as_dicts(self) -> list[dict[str, str]]:
        return [asdict(failure) for failure in self.failures]


def next_retry(
    outcome: OutletOutcome, *, tries_before: int, now: datetime
) -> tuple[int, datetime | None]:
    """How many searches in a row have now failed for a passing reason, and when to search
    again (None: no automatic retry, because the search answered, failed for good, or ran
    out of retries)."""
    if outcome.outcome != COULD_NOT_CHECK or not any(f.passing for f in outcome.failures):
        return 0, None
    tries = tries_before + 1
    if tries > MAX_RETRIES:
        return tries, None
    return tries, now + min(RETRY_LONGEST, RETRY_FIRST * 2 ** (tries - 1))


def date_window(around: datetime | None, width: timedelta) -> tuple[str, str] | None:
    if around is None:
        return None
    return ((around - width).date().isoformat(), (around + width).date().isoformat())


def decide_outcome(
    outlet: str,
    *,
    searched: Searched,
    meanings: Iterable[str],
    failures: Sequence[Failure],
    depth: int = 0,
) -> OutletOutcome:
    """The outcome of one outlet's search, given the meanings of the pages read and the
    requests that failed."""
    bearing = sum(meaning in EVIDENCE for meaning in meanings)
    failures = tuple(failures)
    if bearing:
        pages = "page bears" if bearing == 1 else "pages bear"
        reason = f"{bearing} {pages} on the claim."
        if failures:
            reason += f" {_failed_requests(failures)}"
        return OutletOutcome(outlet, FOUND, reason, searched, failures, depth)
    if failures:
        reason = f"{_failed_requests(failures)} Nothing that was read bears on the claim."
        return OutletOutcome(outlet, COULD_NOT_CHECK, reason, searched, failures, depth)
    if not searched.routes:
        reason = not_searchable_reason(outlet)
        return OutletOutcome(outlet, NOT_SEARCHABLE, reason, searched, depth=depth)
    reason = _nothing_found_reason(searched)
    return OutletOutcome(outlet, NOTHING_FOUND, reason, searched, depth=depth)


def not_searchable_reason(outlet: str) -> str:
    return (
        f"factcheck knows no feed, sitemap or search page of {outlet}, and the article does "
        "not link to it. An admin can give it feeds, sitemaps or a search_url under Outlets "
        "(or in FACTCHECK_OUTLETS_FILE)."
    )


def _failed_requests(failures: Sequence[Failure]) -> str:
    first = failures[0]
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    count = "1 request" if len(failures) == 1 else f"{len(failures)} requests"
    return f"{count} failed: {first.label}, {first.message}{more}"


def _nothing_found_reason(searched: Searched) -> str:
    listings = "1 listing" if searched.listings == 1 else f"{searched.listings} listings"
    pages = "1 page" if searched.pages_read == 1 else f"{searched.pages_read} pages"
    window = f" from {searched.window[0]} to {searched.window[1]}" if searched.window else ""
    return f"Read {listings}{window} and {pages}; none bears on the claim."
