"""Candidates from web archives: the Wayback CDX server's index of an outlet's captured
pages, and Memento TimeMaps (RFC 7089) of one page. Every answer is read in linear time
and gives a list or a FeedError, whatever it holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from factcheck.crossref.discover import ARCHIVE, Candidate
from factcheck.crossref.feeds import FeedError
from factcheck.crossref.webarchives import (
    WAYBACK_CDX,
    WAYBACK_TIMEMAP,
    Capture,
    Memento,
    as_candidates,
    cdx_query_url,
    closest_memento,
    parse_cdx,
    parse_timemap,
    raw_memento_url,
    timemap_url,
)

AROUND = datetime(2017, 5, 25, 13, 45, tzinfo=UTC)
STORY = "https://www.reuters.com/article/nato-to-join-coalition-idUSKBN18L1"
OTHER = "https://www.reuters.com/article/markets-close-idUSKBN18L2"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# The CDX query


def test_the_cdx_query_asks_for_the_domains_html_pages_captured_within_the_window():
    url = cdx_query_url(WAYBACK_CDX, "reuters.com", around=AROUND, window=timedelta(days=2))
    assert url.startswith(WAYBACK_CDX + "?")
    assert query_of(url) == {
        "url": ["reuters.com"],
        "matchType": ["domain"],
        "from": ["20170523134500"],
        "to": ["20170527134500"],
        "output": ["json"],
        "fl": ["original,timestamp,statuscode,mimetype"],
        "filter": ["statuscode:200", "mimetype:text/html"],
        "collapse": ["urlkey"],
        "limit": ["1000"],
    }


def test_the_cdx_window_is_in_utc_whatever_zone_the_date_is_given_in():
    paris = timezone(timedelta(hours=2))
    aware = cdx_query_url(
        WAYBACK_CDX,
        "reuters.com",
        around=datetime(2017, 5, 25, 15, 45, tzinfo=paris),
        window=timedelta(hours=1),
    )
    naive = cdx_query_url(
        WAYBACK_CDX, "reuters.com", around=datetime(2017, 5, 25, 13, 45), window=timedelta(hours=1)
    )
    for url in (aware, naive):
        assert query_of(url)["from"] == ["20170525124500"]
        assert query_of(url)["to"] == ["20170525144500"]


def test_words_keep_only_addresses_holding_one_of_them_in_any_case():
    url = cdx_query_url(
        WAYBACK_CDX,
        "reuters.com",
        around=AROUND,
        window=timedelta(days=1),
        words=["NATO", "U.S.", "Brüssel", "...", "nato", "a+b"],
        limit=50,
    )
    query = query_of(url)
    assert query["filter"] == [
        "statuscode:200",
        "mimetype:text/html",
        "original:(?i).*(nato|us|brussel|ab).*",
    ]
    assert query["limit"] == ["50"]


def test_words_that_leave_nothing_add_no_filter():
    url = cdx_query_url(
        WAYBACK_CDX, "reuters.com", around=AROUND, window=timedelta(days=1), words=["—", " "]
    )
    assert query_of(url)["filter"] == ["statuscode:200", "mimetype:text/html"]


def test_a_cdx_query_needs_a_domain():
    with pytest.raises(ValueError):
        cdx_query_url(WAYBACK_CDX, "  ", around=AROUND, window=timedelta(days=1))


# Reading the CDX answer


def test_a_cdx_json_answer_is_read_by_its_header_row():
    answer = [
        ["timestamp", "original", "mimetype", "statuscode"],
        ["20170525101500", STORY, "text/html", "200"],
        ["20170525110000", OTHER, "text/html", "-"],
    ]
    assert parse_cdx(json.dumps(answer).encode()) == [
        Capture(url=STORY, captured_at=at(2017, 5, 25, 10, 15), status=200, mime="text/html"),
        Capture(url=OTHER, captured_at=at(2017, 5, 25, 11), status=None, mime="text/html"),
    ]


def test_a_cdx_text_answer_in_the_servers_default_field_order_is_read():
    answer = (
        "com,reuters)/article/nato-to-join-coalition-idusksbn18l1 20170525101500 "
        f"{STORY} text/html 200 AB3CDEFGHIJKLMNOPQRSTUVWXYZ23456 10240\n"
        f"com,reuters)/article/markets 20170525110000 {OTHER} text/html 301 ZZZ 512\n"
    )
    assert parse_cdx(answer) == [
        Capture(url=STORY, captured_at=at(2017, 5, 25, 10, 15), status=200, mime="text/html"),
        Capture(url=OTHER, captured_at=at(2017, 5, 25, 11), status=301, mime="text/html"),
    ]


def test_a_cdx_text_answer_in_the_fields_asked_for_is_read():
    answer = f"{STORY} 20170525101500 200 text/html\r\n{OTHER} 20170525110000 - text/html\r\n"
    assert parse_cdx(answer.encode()) == [
        Capture(url=STORY, captured_at=at(2017, 5, 25, 10, 15), status=200, mime="text/html"),
        Capture(url=OTHER, captured_at=at(2017, 5, 25, 11), status=None, mime="text/html"),
    ]


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("2017", at(2017, 1, 1)),
        ("201705", at(2017, 5, 1)),
        ("20170525", at(2017, 5, 25)),
        ("2017052513", at(2017, 5, 25, 13)),
        ("201705251345", at(2017, 5, 25, 13, 45)),
    ],
)
def test_a_short_cdx_timestamp_is_the_start_of_the_period_it_names(timestamp, expected):
    assert parse_cdx(f"{STORY} {timestamp} 200 text/html") == [
        Capture(url=STORY, captured_at=expected, status=200, mime="text/html")
    ]


def test_rows_with_an_unreadable_timestamp_or_address_are_skipped_not_fatal():
    answer = [
        ["original", "timestamp", "statuscode", "mimetype"],
        [STORY, "20171325000000", "200", "text/html"],  # month 13
        [STORY, "99999999999999", "200", "text/html"],
        [STORY, "²⁰¹⁷", "200", "text/html"],
        [STORY, "201", "200", "text/html"],
        ["ftp://www.reuters.com/file", "20170525101500", "200", "text/html"],
        ["dns:www.reuters.com", "20170525101500", "200", "text/html"],
        [STORY, 20170525101500, "200", "text/html"],
        "not a row",
        [STORY],
        [OTHER, "20170525110000", "²00", "text/html"],
    ]
    assert parse_cdx(json.dumps(answer)) == [
        Capture(url=OTHER, captured_at=at(2017, 5, 25, 11), status=None, mime="text/html")
    ]


def test_a_page_captured_twice_is_listed_once_as_first_listed():
    answer = (
        f"{STORY} 20170525101500 200 text/html\n"
        f"{OTHER} 20170525110000 200 text/html\n"
        f"{STORY} 20170526090000 200 text/html\n"
    )
    captures = parse_cdx(answer)
    assert [capture.url for capture in captures] == [STORY, OTHER]
    assert captures[0].captured_at == at(2017, 5, 25, 10, 15)


@pytest.mark.parametrize(
    "answer",
    [b"", b"  \n", b"[]", b"[]\n", b'[["original","timestamp","statuscode","mimetype"]]'],
)
def test_an_empty_cdx_answer_lists_no_captures(answer):
    assert parse_cdx(answer) == []


@pytest.mark.parametrize(
    "answer",
    [
        b"<html><head><title>503 Service Unavailable</title></head></html>",
        b"<p>The server is temporarily unable</p>",
        b'{"error": "Unknown field"}',
        b"[1, 2, 3]",
        b'[["url", "when"], ["a", "b"]]',
        b"[[[",
    ],
)
def test_an_answer_that_is_no_cdx_answer_is_a_feed_error(answer):
    with pytest.raises(FeedError, match="Could not read the archive index"):
        parse_cdx(answer)


def test_the_feed_error_names_the_index_that_gave_the_answer():
    with pytest.raises(FeedError, match=r"https://web\.archive\.org/cdx"):
        parse_cdx(b"oops", url="https://web.archive.org/cdx")


HOSTILE_CDX = [
    bytes(range(256)) * 40,
    b"\xff\xfe\x00[\x00[\x00",
    "[" * 100_000 + "]" * 100_000,
    "[" * 100_000,
    '{"a":' * 100_000,
    '[["original","timestamp","statuscode"],["http://a.example/","2017","²"]]',
    f"{STORY} 99999999999999 200 text/html",
    f"{STORY} 00000000000000 200 text/html",
    f"{STORY} 20170525101500 {'9' * 5000} text/html",
    "[" + "9" * 5000 + "]",
    "x" * 1_000_000,
    f"{STORY} 20170525101500 200 text/html " + "y" * 1_000_000,
    "http://a.example/ 2017 200 text/html\n" * 20_000,
    " a" * 500_000,
    "\n".join(["a b c d"] * 100_000),
    "\ud800 \udfff 2017 200",
]


@pytest.mark.parametrize("answer", HOSTILE_CDX, ids=range(len(HOSTILE_CDX)))
def test_a_hostile_cdx_answer_gives_a_list_or_a_feed_error_and_nothing_else(answer):
    try:
        captures = parse_cdx(answer)
    except FeedError:
        return
    assert isinstance(captures, list)
    assert all(isinstance(capture, Capture) for capture in captures)


def test_a_cdx_answer_that_is_not_utf8_is_read_as_far_as_it_can_be():
    answer = f"{STORY}\xe9 20170525101500 200 text/html\n".encode("latin-1")
    assert parse_cdx(answer)[0].url == STORY + "\ufffd"


def test_captures_become_archive_candidates_dated_by_their_capture():
    captures = [
        Capture(url=STORY, captured_at=at(2017, 5, 25, 10, 15), status=200),
        Capture(url=OTHER, captured_at=at(2017, 5, 25, 11)),
        Capture(url=STORY, captured_at=at(2017, 5, 26)),
    ]
    assert as_candidates(captures) == [
        Candidate(url=STORY, published=at(2017, 5, 25, 10, 15), source=ARCHIVE),
        Candidate(url=OTHER, published=at(2017, 5, 25, 11), source=ARCHIVE),
    ]


# TimeMaps


def test_the_timemap_url_appends_the_address_as_it_is():
    assert (
        timemap_url(WAYBACK_TIMEMAP + "/", STORY + "?x=1")
        == "https://web.archive.org/web/timemap/link/" + STORY + "?x=1"
    )


def memento_link(timestamp: str, when: str, rel: str = "memento") -> str:
    return f'<https://web.archive.org/web/{timestamp}/{STORY}>; rel="{rel}"; datetime="{when}"'


TIMEMAP = ",\n".join(
    [
        f'<{STORY}>; rel="original"',
        f'<https://web.archive.org/web/timemap/link/{STORY}>; rel="self"; '
        'type="application/link-format"; from="Thu, 25 May 2017 10:15:00 GMT"',
        f'<https://web.archive.org/web/{STORY}>; rel="timegate"',
        memento_link("20170525101500", "Thu, 25 May 2017 10:15:00 GMT", "first memento"),
        memento_link("20170526090000", "Fri, 26 May 2017 09:00:00 GMT"),
        memento_link("20180101000000", "Mon, 01 Jan 2018 00:00:00 GMT", "last memento"),
    ]
)


def test_a_timemap_gives_its_mementos_and_not_the_original_timegate_or_timemap():
    assert parse_timemap(TIMEMAP.encode()) == [
        Memento(
            url=f"https://web.archive.org/web/20170525101500/{STORY}",
            captured_at=at(2017, 5, 25, 10, 15),
        ),
        Memento(
            url=f"https://web.archive.org/web/20170526090000/{STORY}",
            captured_at=at(2017, 5, 26, 9),
        ),
        Memento(
            url=f"https://web.archive.org/web/20180101000000/{STORY}",
            captured_at=at(2018, 1, 1),
        ),
    ]


def test_timemap_links_may_give_their_attributes_in_any_order_and_span_lines():
    timemap = (
        '<https://archive.example/a>\n  ; datetime="Thu, 25 May 2017 10:15:00 +0200"\n'
        '  ; rel="memento",<https://archive.example/b>;datetime = "Fri, 26 May 2017 09:00:00 GMT"'
        ';REL=MEMENTO , <https://archive.example/c>; rel="prev memento next";'
        ' datetime="Sat, 27 May 2017 09:00:00 GMT"; title="a \\"quoted\\" title, with commas"'
    )
    assert parse_timemap(timemap) == [
        Memento(url="https://archive.example/a", captured_at=at(2017, 5, 25, 8, 15)),
        Memento(url="https://archive.example/b", captured_at=at(2017, 5, 26, 9)),
        Memento(url="https://archive.example/c", captured_at=at(2017, 5, 27, 9)),
    ]


def test_mementos_without_a_readable_datetime_are_left_out():
    timemap = ", ".join(
        [
            memento_link("20170525101500", "sometime in May"),
            '<https://web.archive.org/web/20170525101500/x>; rel="memento"',
            memento_link("99991231235959", "Fri, 31 Dec 9999 23:59:59 -0100"),
            memento_link("20170526090000", "Fri, 26 May 2017 09:00:00 GMT"),
        ]
    )
    assert [memento.captured_at for memento in parse_timemap(timemap)] == [at(2017, 5, 26, 9)]


def test_a_timemap_without_mementos_lists_none():
    assert parse_timemap(f'<{STORY}>; rel="original",\n<{STORY}>; rel="timegate"') == []
    assert parse_timemap(b"") == []
    assert parse_timemap(b"\n \n") == []


@pytest.mark.parametrize(
    "answer", [b"<html", b"Not found", b'{"mementos": []}', b"\x00\xff\xfe junk"]
)
def test_a_body_that_is_not_a_timemap_is_a_feed_error(answer):
    with pytest.raises(FeedError, match="Could not read the TimeMap"):
        parse_timemap(answer)


HOSTILE_TIMEMAPS = [
    "<" * 200_000,
    "<>" * 100_000,
    "<a>" + ";" * 200_000,
    "<a>;" + "rel=" * 50_000,
    '<a>; rel="' + "\\" * 200_000,
    '<a>; rel="memento"; datetime="' + "Sat, " * 40_000,
    "<a>" + '"' * 200_000,
    "<a>; x=" * 30_000,
    ">" * 200_000 + "<",
    '<a>; rel="memento"; datetime="Sat, 13 May 99999999999 10:00:00 GMT"',
    '<a>; rel="memento"; datetime="Sat, 99 May 2017 10:00:00 GMT"',
    bytes(range(256)) * 800,
]


@pytest.mark.parametrize("answer", HOSTILE_TIMEMAPS, ids=range(len(HOSTILE_TIMEMAPS)))
def test_a_hostile_timemap_gives_a_list_or_a_feed_error_and_nothing_else(answer):
    try:
        mementos = parse_timemap(answer)
    except FeedError:
        return
    assert isinstance(mementos, list)


def test_a_200_kb_run_of_angle_brackets_is_read_at_once():
    with pytest.raises(FeedError):  # no "<" of it is ever closed: not one link
        parse_timemap("<" * 200_000)
    assert parse_timemap("<" * 200_000 + ">") == []  # one link, to no memento


def test_an_unclosed_link_ends_the_timemap_after_the_mementos_before_it():
    timemap = memento_link("20170526090000", "Fri, 26 May 2017 09:00:00 GMT") + ", <" * 50_000
    assert [memento.captured_at for memento in parse_timemap(timemap)] == [at(2017, 5, 26, 9)]


# Choosing and fetching a memento

EARLY = Memento(url="https://web.archive.org/web/20170525000000/x", captured_at=at(2017, 5, 25))
NOON = Memento(url="https://web.archive.org/web/20170525120000/x", captured_at=at(2017, 5, 25, 12))
LATE = Memento(url="https://web.archive.org/web/20170601000000/x", captured_at=at(2017, 6, 1))


def test_the_closest_memento_is_the_one_captured_nearest_the_date():
    assert closest_memento([EARLY, NOON, LATE], at(2017, 5, 25, 13)) == NOON
    assert closest_memento([EARLY, NOON, LATE], at(2017, 5, 31)) == LATE
    assert closest_memento([LATE, NOON, EARLY], datetime(2017, 5, 24)) == EARLY


def test_of_two_mementos_as_close_the_earlier_is_chosen():
    assert closest_memento([NOON, EARLY], at(2017, 5, 25, 6)) == EARLY


def test_the_closest_memento_takes_a_date_in_any_zone():
    tokyo = timezone(timedelta(hours=9))
    assert closest_memento([EARLY, NOON], datetime(2017, 5, 25, 20, tzinfo=tokyo)) == NOON


def test_without_a_date_the_earliest_memento_is_chosen_and_without_mementos_none():
    assert closest_memento([NOON, LATE, EARLY], None) == EARLY
    assert closest_memento([], AROUND) is None
    assert closest_memento([], None) is None


@pytest.mark.parametrize(
    ("memento", "raw"),
    [
        (
            f"https://web.archive.org/web/20170513100000/{STORY}",
            f"https://web.archive.org/web/20170513100000id_/{STORY}",
        ),
        (
            "https://web.archive.org/web/20170513100000/http://example.com/a/b?c=d",
            "https://web.archive.org/web/20170513100000id_/http://example.com/a/b?c=d",
        ),
    ],
)
def test_the_raw_memento_url_asks_for_the_page_as_captured(memento, raw):
    assert raw_memento_url(memento) == raw


@pytest.mark.parametrize(
    "memento",
    [
        f"https://web.archive.org/web/20170513100000id_/{STORY}",
        f"https://web.archive.org/web/20170513100000im_/{STORY}",
        f"https://web.archive.org/web/2017/{STORY}",
        f"https://web.archive.org/web/²⁰¹⁷⁰⁵¹³¹⁰⁰⁰⁰⁰/{STORY}",
        "https://archive.ph/2017.05.13-100000/https://www.reuters.com/",
        "https://web.archive.org/web/20170513100000/",
        "https://web.archive.org",
        "not a url",
        "",
    ],
)
def test_a_memento_url_with_a_modifier_or_not_wayback_style_is_left_as_it_is(memento):
    assert raw_memento_url(memento) == memento
