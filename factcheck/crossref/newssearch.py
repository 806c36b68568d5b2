"""Candidates from a news search: GDELT's DOC 2.0 API, which lists the stories news
sites worldwide published in the last three months that hold given words.

An outlet's own site search is often weak or missing; GDELT searches the full text of
what it saw published, restricted to one outlet with `domain:`. This module builds the
query URL and reads the answer; it does no network I/O. The answer comes from outside,
so reading it fails, when it does, with a FeedError only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from factcheck.crossref.discover import NEWS_SEARCH, Candidate, as_utc
from factcheck.crossref.feeds import FeedError

GDELT_DOC_API = "https://api.gdeltproject.org/api/v2/doc/doc"
# GDELT's DOC API searches the last three months and refuses a start before that.
NEWS_SEARCH_REACH = timedelta(days=90)
# A claim's date is the writer's local day, which may be ahead of UTC.
FUTURE_SLACK = timedelta(days=1)
MAX_RECORDS = 250  # GDELT's own limit on one answer
MAX_TERMS = 6
# GDELT refuses a keyword shorter than this, with an error instead of results.
MIN_TERM_LENGTH = 3
# The characters of GDELT's operators: phrases ("..."), OR groups, and name:value ones
# (domain:, sourcecountry:...). Taken out of a term, it can only be words.
_OPERATOR_CHARACTERS = str.maketrans({'"': " ", "(": " ", ")": " ", ":": " "})
ERROR_EXCERPT = 200  # characters of GDELT's error message quoted to the user


def covers(around: datetime | None, now: datetime) -> bool:
    """Whether a story published around `around` may be found by the news search: its
    date is known, at most NEWS_SEARCH_REACH before `now`, and at most a day after."""
    if around is None:
        return False
    moment, today = as_utc(around), as_utc(now)
    return today - NEWS_SEARCH_REACH <= moment <= today + FUTURE_SLACK


def gdelt_query_url(
    api_url: str,
    terms: Sequence[str],
    *,
    domain: str | None,
    around: datetime,
    window: timedelta,
    now: datetime,
    max_records: int = 75,
) -> str:
    """The article-list query (JSON) for stories holding `terms`, on `domain` when given,
    seen within `window` either side of `around` (as far as the search reaches back),
    most relevant first.

    Up to MAX_TERMS terms; a term with a space is searched as a phrase. With more than
    two they are ORed, not ANDed: a story seldom holds every key term of a claim, and
    GDELT's relevance sort puts first those holding the most. Raises ValueError when no
    term is long enough for GDELT to take (the caller then does not ask)."""
    words = _search_terms(terms)
    if not words:
        raise ValueError("no search term of 3 characters or more")
    quoted = [f'"{word}"' if " " in word else word for word in words]
    query = f"({' OR '.join(quoted)})" if len(quoted) > 2 else " ".join(quoted)
    site = "".join(c for c in (domain or "").lower() if c.isalnum() or c in ".-").strip(".")
    if site:
        query += f" domain:{site}"
    today = as_utc(now)
    earliest = today - NEWS_SEARCH_REACH
    moment = as_utc(around)
    start = min(max(moment - window, earliest), today)
    end = min(max(moment + window, earliest), today)
    params = [
        ("query", query),
        ("mode", "artlist"),
        ("format", "json"),
        ("sort", "hybridrel"),
        ("maxrecords", str(max(1, min(max_records, MAX_RECORDS)))),
        ("startdatetime", _timestamp14(start)),
        ("enddatetime", _timestamp14(end)),
    ]
    return f"{api_url}?{urlencode(params)}"


def _search_terms(terms: Sequence[str]) -> list[str]:
    """The terms GDELT can take, first MAX_TERMS of them, without repeats (in any case):
    operator characters taken out, a leading "-" (GDELT's "not") too, spaces collapsed,
    and those shorter than MIN_TERM_LENGTH dropped."""
    kept: dict[str, str] = {}
    for term in terms:
        parts = (part.lstrip("-") for part in term.translate(_OPERATOR_CHARACTERS).split())
        words = " ".join(part for part in parts if part)
        if len(words) >= MIN_TERM_LENGTH:
            kept.setdefault(words.lower(), words)
    return list(kept.values())[:MAX_TERMS]


def _timestamp14(moment: datetime) -> str:
    """YYYYMMDDHHMMSS in UTC (strftime does not pad a year before 1000 on every system)."""
    m = as_utc(moment)
    return f"{m.year:04d}{m.month:02d}{m.day:02d}{m.hour:02d}{m.minute:02d}{m.second:02d}"


def parse_gdelt(data: bytes | str, *, url: str = "the news search") -> list[Candidate]:
    """The stories of an article-list answer, in its order, one per URL: address, title
    and when GDELT first saw the story (as the publication date). No results (`{}`) is
    []; an entry that is not a story's (no web address, fields that are not text) is
    left out. GDELT answers a bad query or too many requests with plain text, not JSON:
    that is a FeedError quoting it."""
    text = _decode(data).strip()
    if not text:
        return []
    if not text.startswith(("{", "[")):
        words = " ".join(text.split())
        if len(words) > ERROR_EXCERPT:
            words = words[:ERROR_EXCERPT] + "…"
        raise FeedError(f'Could not read {url}. The news search answered: "{words}"')
    answer = _load_json(text, url)
    if not isinstance(answer, dict):
        raise FeedError(f"Could not read {url}: its JSON does not hold a list of articles.")
    articles = answer.get("articles", [])
    if not isinstance(articles, list):
        raise FeedError(f"Could not read {url}: its articles are not a list.")
    candidates: dict[str, Candidate] = {}
    for article in articles:
        candidate = _candidate(article)
        if candidate is not None and candidate.url not in candidates:
            candidates[candidate.url] = candidate
    return list(candidates.values())


def _candidate(article: object) -> Candidate | None:
    if not isinstance(article, dict):
        return None
    address, title, seen = (article.get(key) for key in ("url", "title", "seendate"))
    if not isinstance(address, str) or not _is_web_address(address.strip()):
        return None
    if not isinstance(title, str | None) or not isinstance(seen, str | None):
        return None
    return Candidate(
        url=address.strip(),
        title=" ".join((title or "").split()) or None,
        published=_seen_date(seen or ""),
        source=NEWS_SEARCH,
    )


def _seen_date(value: str) -> datetime | None:
    """GDELT's seendate (20170513T101500Z, UTC) as an aware datetime, or None."""
    value = value.strip()
    if len(value) != 16 or value[8] != "T" or value[15] != "Z":
        return None
    digits = value[:8] + value[9:15]
    # isascii: "²" and other digits of other scripts pass isdigit() but not int().
    if not (digits.isascii() and digits.isdigit()):
        return None
    parts = [int(digits[:4])] + [int(digits[i : i + 2]) for i in range(4, 14, 2)]
    try:
        return datetime(*parts, tzinfo=UTC)
    except ValueError:  # month 13, day 32, year 0...
        return None


def _is_web_address(value: str) -> bool:
    lowered = value[:8].lower()
    return any(
        lowered.startswith(scheme) and len(value) > len(scheme)
        for scheme in ("http://", "https://")
    )


def _decode(data: bytes | str) -> str:
    """The text of an answer; bytes that are not UTF-8 become U+FFFD rather than an error
    (one bad byte in a title should not cost the other results)."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text.removeprefix("\ufeff")


def _load_json(text: str, url: str) -> object:
    try:
        # strict=False: a control character in a title should not cost the other results.
        return json.loads(text, strict=False)
    except RecursionError as error:
        raise FeedError(f"Could not read {url}: its JSON is nested too deeply.") from error
    except ValueError as error:  # not JSON; or a number of more than 4300 digits
        raise FeedError(f"Could not read {url}: it is not valid JSON.") from error
