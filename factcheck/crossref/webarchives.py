"""Candidates from web archives: the captures a Wayback CDX server lists for an outlet's
domain around a claim's date, and the mementos (RFC 7089) a TimeMap lists for one page.

An outlet's feeds and sitemaps list its latest stories only, and its site search often
finds nothing a few months old; a web archive captured the pages while they were new.
This module builds the archives' request URLs and reads their answers; it does no network
I/O. The answers come from outside, so reading one takes linear time whatever it holds,
and fails, when it does, with a FeedError only.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

from factcheck.crossref.discover import ARCHIVE, Candidate, as_utc
from factcheck.crossref.feeds import FeedError

WAYBACK_CDX = "https://web.archive.org/cdx/search/cdx"
WAYBACK_TIMEMAP = "https://web.archive.org/web/timemap/link"
# The fields asked of the CDX server, in the order of its answer (and of a four-field
# line of its plain-text answer).
CDX_FIELDS = ("original", "timestamp", "statuscode", "mimetype")
# The fields of a line of the CDX server's plain-text answer when none are asked for.
CDX_DEFAULT_FIELDS = (
    "urlkey",
    "timestamp",
    "original",
    "mimetype",
    "statuscode",
    "digest",
    "length",
)
# The fields of a line of a plain-text answer, by how many it has.
_TEXT_LAYOUTS = {len(CDX_DEFAULT_FIELDS): CDX_DEFAULT_FIELDS, len(CDX_FIELDS): CDX_FIELDS}
# A short timestamp is padded as the Wayback Machine (pywb) pads it: "2017" is the first
# moment of 2017, "201705" that of May 2017.
_TIMESTAMP_PAD = "10000101000000"
# A memento URL's timestamp, and the modifier that asks for the page as it was captured,
# without the archive's banner and with its links as they were.
_TIMESTAMP_DIGITS = 14
RAW_MODIFIER = "id_"
# Where a link-format parameter's name, or an unquoted value, ends.
_NAME_END = re.compile(r"[=;,<]")
_VALUE_END = re.compile(r"[;,<]")
_QUOTED_END = re.compile(r'["\\]')


@dataclass(frozen=True)
class Capture:
    """A page as a web archive's index lists it: `url` is the original address captured,
    `captured_at` when (aware UTC), `status` the HTTP status the page answered with and
    `mime` its media type, when the index says."""

    url: str
    captured_at: datetime
    status: int | None = None
    mime: str | None = None


@dataclass(frozen=True)
class Memento:
    """An archived copy of a page (RFC 7089): `url` is its address at the archive,
    `captured_at` when the archive captured the page (aware UTC)."""

    url: str
    captured_at: datetime


def cdx_query_url(
    index_url: str,
    domain: str,
    *,
    around: datetime,
    window: timedelta,
    words: Sequence[str] = (),
    limit: int = 1000,
) -> str:
    """The CDX query for the HTML pages of `domain` and its subdomains captured with a
    200 answer within `window` either side of `around`, one capture a page, as JSON.

    With `words`, only pages whose address holds one of them, in any case: news sites
    put a story's headline in its URL ("/nato-to-join-coalition-idUSKBN18L1"), so the
    index itself leaves out the thousands of pages on other subjects."""
    site = domain.strip().strip(".").lower()
    if not site:
        raise ValueError("a CDX query needs a domain")
    moment = as_utc(around)
    params = [
        ("url", site),
        ("matchType", "domain"),
        ("from", _timestamp14(moment - window)),
        ("to", _timestamp14(moment + window)),
        ("output", "json"),
        ("fl", ",".join(CDX_FIELDS)),
        ("filter", "statuscode:200"),
        ("filter", "mimetype:text/html"),
    ]
    slugs = _slug_words(words)
    if slugs:
        # The server matches the whole address against the expression, hence the ".*".
        params.append(("filter", f"original:(?i).*({'|'.join(slugs)}).*"))
    params += [("collapse", "urlkey"), ("limit", str(limit))]
    return f"{index_url}{'&' if '?' in index_url else '?'}{urlencode(params)}"


def _slug_words(words: Iterable[str]) -> list[str]:
    """`words` as a URL's slug spells them, ready for a regular expression: lower case,
    accents dropped ("Brüssel" is "brussel"), ASCII letters and digits only ("U.S." is
    "us"), without repeats; a word left with nothing is dropped."""
    slugs: dict[str, None] = {}
    for word in words:
        folded = unicodedata.normalize("NFKD", word.lower())
        slug = "".join(c for c in folded if c.isascii() and c.isalnum())
        if slug:
            slugs[re.escape(slug)] = None
    return list(slugs)


def _timestamp14(moment: datetime) -> str:
    """YYYYMMDDhhmmss in UTC (strftime does not pad a year before 1000 on every system)."""
    m = as_utc(moment)
    return f"{m.year:04d}{m.month:02d}{m.day:02d}{m.hour:02d}{m.minute:02d}{m.second:02d}"


def parse_cdx(data: bytes | str, *, url: str = "the archive index") -> list[Capture]:
    """The captures a CDX server listed, in its order, one a page (the first listed).

    Reads both of its answers: JSON (rows of strings under a header row naming the
    fields) and plain text (a capture a line, its fields separated by spaces: the
    server's seven default ones, or the four `cdx_query_url` asks for). A row that
    cannot be read (a bad timestamp, an address that is not a web page's) is left out.
    An empty answer lists no captures; one of which nothing can be read is a FeedError."""
    text = _decode(data).strip()
    if not text:
        return []
    captures = _cdx_json(text, url) if text.startswith("[") else _cdx_text(text, url)
    first: dict[str, Capture] = {}
    for capture in captures:
        first.setdefault(capture.url, capture)
    return list(first.values())


def _cdx_json(text: str, url: str) -> list[Capture]:
    answer = _load_json(text, url)
    if not isinstance(answer, list):
        raise FeedError(f"Could not read {url}: its JSON is not a list of captures.")
    if not answer:
        return []
    header = answer[0]
    if (
        not isinstance(header, list)
        or not all(isinstance(name, str) for name in header)
        or not {"original", "timestamp"} <= set(header)
    ):
        raise FeedError(
            f"Could not read {url}: its first row does not name the fields of the captures "
            "(original, timestamp...), as an archive index's JSON answer does."
        )
    captures = []
    for row in answer[1:]:
        if isinstance(row, list):
            # A short row is no capture (Wayback ends a paged answer with its resume key).
            pairs = zip(header, row, strict=False)
            captures.append(_capture({name: v for name, v in pairs if isinstance(v, str)}))
    return [capture for capture in captures if capture is not None]


def _cdx_text(text: str, url: str) -> list[Capture]:
    captures = []
    for line in text.splitlines():
        fields = line.split()
        names = _TEXT_LAYOUTS.get(len(fields))
        if names is not None:
            captures.append(_capture(dict(zip(names, fields, strict=True))))
    found = [capture for capture in captures if capture is not None]
    if not found:
        raise FeedError(
            f"Could not read {url}: none of its lines lists a capture (an address and "
            "when it was captured), as an archive index's answer does."
        )
    return found


def _capture(fields: Mapping[str, str]) -> Capture | None:
    original = fields.get("original", "").strip()
    captured_at = _cdx_timestamp(fields.get("timestamp", ""))
    if captured_at is None or not _is_web_address(original):
        return None
    mime = fields.get("mimetype", "").strip()
    return Capture(
        url=original,
        captured_at=captured_at,
        status=_status(fields.get("statuscode", "")),
        mime=mime if mime and mime != "-" else None,
    )


def _cdx_timestamp(value: str) -> datetime | None:
    """A CDX timestamp (4 to 14 digits, YYYYMMDDhhmmss, UTC; a short one padded) as an
    aware UTC datetime, or None when it is not one."""
    value = value.strip()
    # isascii: "²" and other digits of other scripts pass isdigit() but not int().
    if not (4 <= len(value) <= _TIMESTAMP_DIGITS and value.isascii() and value.isdigit()):
        return None
    full = value + _TIMESTAMP_PAD[len(value) :]
    parts = [int(full[:4])] + [int(full[i : i + 2]) for i in range(4, 14, 2)]
    try:
        return datetime(*parts, tzinfo=UTC)
    except ValueError:  # month 13, day 32, year 0...
        return None


def _status(value: str) -> int | None:
    value = value.strip()
    if 1 <= len(value) <= 3 and value.isascii() and value.isdigit():
        return int(value)
    return None  # "-": the index does not know (a revisit record, say)


def _is_web_address(value: str) -> bool:
    lowered = value[:8].lower()
    return any(
        lowered.startswith(scheme) and len(value) > len(scheme)
        for scheme in ("http://", "https://")
    )


def timemap_url(timemap_base: str, url: str) -> str:
    """The TimeMap of `url` at an archive whose TimeMaps are under `timemap_base` (the
    Wayback Machine's: WAYBACK_TIMEMAP). The address is appended as it is, not encoded:
    that is how the Wayback Machine and Memento aggregators take it."""
    return f"{timemap_base.rstrip('/')}/{url}"


def parse_timemap(data: bytes | str, *, url: str = "the TimeMap") -> list[Memento]:
    """The mementos a TimeMap (RFC 7089, in the link format of RFC 6690) lists, in its
    order, one per memento URL; those without a readable datetime are left out. A
    TimeMap that lists only the original page, or nothing, has none; a body that holds
    no link at all is a FeedError."""
    text = _decode(data)
    links = _link_format(text)
    if not links:
        if text.strip():
            raise FeedError(
                f"Could not read {url}: it is not a TimeMap (it holds no <address> links)."
            )
        return []
    mementos: dict[str, Memento] = {}
    for address, params in links:
        if "memento" not in params.get("rel", "").lower().split():
            continue  # the original, the TimeGate, the TimeMap itself
        captured_at = _http_date(params.get("datetime", ""))
        address = address.strip()
        if captured_at is not None and _is_web_address(address) and address not in mementos:
            mementos[address] = Memento(url=address, captured_at=captured_at)
    return list(mementos.values())


def _link_format(text: str) -> list[tuple[str, dict[str, str]]]:
    """The links of an RFC 6690 link-format document: each one's URI and its parameters
    (names in lower case, the first of a repeated one kept).

    Walks the text once: a link is `<URI>` followed by `;name=value` or `;name="value"`
    parameters, and ends at a comma outside the angle brackets and quotes, so a quoted
    datetime ("Sat, 13 May 2017 ...") or a link spread over several lines reads right.
    What lies between links is skipped; an unclosed `<` or quote ends the document."""
    links = []
    position = 0
    while True:
        start = text.find("<", position)
        if start < 0:
            break
        end = text.find(">", start + 1)
        if end < 0:
            break  # every later "<" is unclosed too: stop rather than look again
        params, position = _link_params(text, end + 1)
        links.append((text[start + 1 : end], params))
    return links


def _link_params(text: str, position: int) -> tuple[dict[str, str], int]:
    """The parameters of a link from `position` (just after its `>`), and where the next
    link may start."""
    params: dict[str, str] = {}
    length = len(text)
    while position < length:
        char = text[position]
        if char == ",":
            return params, position + 1
        if char == "<":
            return params, position  # a link without the comma before it
        if char != ";":
            position += 1  # white space, or a stray character
            continue
        name_end = _search(_NAME_END, text, position + 1)
        name = text[position + 1 : name_end].strip().lower()
        value = ""
        position = name_end
        if position < length and text[position] == "=":
            value, position = _link_value(text, position + 1)
        params.setdefault(name, value)
    return params, length


def _link_value(text: str, position: int) -> tuple[str, int]:
    """A parameter's value from `position` (just after its `=`), quoted or not, and the
    position after it."""
    length = len(text)
    while position < length and text[position] in " \t\r\n":
        position += 1
    if position >= length or text[position] != '"':
        end = _search(_VALUE_END, text, position)
        return text[position:end].strip(), end
    parts = []
    position += 1
    while position < length:
        end = _search(_QUOTED_END, text, position)
        parts.append(text[position:end])
        if end >= length or text[end] == '"':
            return "".join(parts), end + 1
        parts.append(text[end + 1 : end + 2])  # a backslash escapes the next character
        position = end + 2
    return "".join(parts), length


def _search(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Where `pattern` (one character class: linear, no backtracking) next matches, or
    the end of `text`."""
    found = pattern.search(text, position)
    return found.start() if found else len(text)


def _http_date(value: str) -> datetime | None:
    """An HTTP date ("Sat, 13 May 2017 10:00:00 GMT") as an aware UTC datetime, or None."""
    try:
        return as_utc(parsedate_to_datetime(value.strip()))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def closest_memento(mementos: Sequence[Memento], around: datetime | None) -> Memento | None:
    """The memento captured closest to `around` (of two as close, the earlier: a page
    captured before a correction shows what was first published); the earliest when
    `around` is unknown (a page's last captures are often of its removal: a 404, a
    redirect); None when there is none."""
    if not mementos:
        return None
    if around is None:
        return min(mementos, key=lambda memento: as_utc(memento.captured_at))
    target = as_utc(around)
    return min(
        mementos,
        key=lambda m: (abs(as_utc(m.captured_at) - target), as_utc(m.captured_at)),
    )


def raw_memento_url(memento_url: str) -> str:
    """The address of a Wayback-style memento (`.../<collection>/<14 digits>/<original>`,
    as at web.archive.org/web/) that gives the page as it was captured: without the
    archive's banner and with its links not rewritten (the `id_` modifier). Any other
    address, or one with a modifier already (`...00id_/`, `...00im_/`), is returned as
    it is."""
    scheme_end = memento_url.find("://")
    path_start = memento_url.find("/", scheme_end + 3) if scheme_end > 0 else -1
    if path_start < 0:
        return memento_url
    parts = memento_url[path_start + 1 :].split("/", 2)
    if len(parts) < 3 or not parts[0] or not parts[2]:
        return memento_url
    timestamp = parts[1]
    if not (len(timestamp) == _TIMESTAMP_DIGITS and timestamp.isascii() and timestamp.isdigit()):
        return memento_url
    head = memento_url[: path_start + 1]
    return f"{head}{parts[0]}/{timestamp}{RAW_MODIFIER}/{parts[2]}"


def as_candidates(captures: Iterable[Capture]) -> list[Candidate]:
    """The captured pages as candidates, one per page, in order. The capture time
    stands in for the publication date, which the index does not give: a story is
    usually captured within a day of being published."""
    candidates: dict[str, Candidate] = {}
    for capture in captures:
        if capture.url not in candidates:
            candidates[capture.url] = Candidate(
                url=capture.url, published=as_utc(capture.captured_at), source=ARCHIVE
            )
    return list(candidates.values())


def _decode(data: bytes | str) -> str:
    """The text of an answer; bytes that are not UTF-8 become U+FFFD rather than an error
    (one bad byte should not cost the rest of the answer)."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text.removeprefix("\ufeff")


def _load_json(text: str, url: str) -> object:
    try:
        return json.loads(text)
    except RecursionError as error:
        raise FeedError(f"Could not read {url}: its JSON is nested too deeply.") from error
    except ValueError as error:  # not JSON; or a number of more than 4300 digits
        raise FeedError(f"Could not read {url}: it is not valid JSON.") from error
