"""Candidates from a news search (GDELT's DOC 2.0 API): the query for a claim's key
terms on one outlet within the last three months, and the article list it answers,
which gives a list of candidates or a FeedError, whatever it holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from factcheck.crossref.discover import NEWS_SEARCH, Candidate
from factcheck.crossref.feeds import FeedError
from factcheck.crossref.newssearch import (
    GDELT_DOC_API,
    NEWS_SEARCH_REACH,
    covers,
    gdelt_query_url,
    parse_gdelt,
)

NOW = datetime(2017, 6, 10, 12, tzinfo=UTC)
AROUND = datetime(2017, 5, 25, 13, 45, tzinfo=UTC)
STORY = "https://www.reuters.com/article/nato-to-join-coalition-idUSKBN18L1"
OTHER = "https://uk.reuters.com/article/nato-summit-idUKKBN18L2"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def search(terms: list[str], domain: str | None = "reuters.com", **options) -> dict:
    options = {"around": AROUND, "window": timedelta(days=2), "now": NOW, **options}
    return query_of(gdelt_query_url(GDELT_DOC_API, terms, domain=domain, **options))


# What the news search reaches


def test_the_news_search_covers_the_last_ninety_days_and_a_day_ahead():
    assert covers(AROUND, NOW)
    assert covers(NOW - NEWS_SEARCH_REACH, NOW)
    assert NEWS_SEARCH_REACH.days == 90
    assert covers(NOW + timedelta(hours=23), NOW)
    assert not covers(NOW - timedelta(days=91), NOW)
    assert not covers(NOW + timedelta(days=2), NOW)
    assert not covers(None, NOW)


def test_covers_takes_dates_naive_as_utc_or_in_any_zone():
    tokyo = timezone(timedelta(hours=9))
    assert covers(datetime(2017, 5, 25), datetime(2017, 6, 1, tzinfo=tokyo))
    assert not covers(datetime(2017, 1, 1, tzinfo=tokyo), datetime(2017, 6, 1))


# The query


def test_the_query_asks_for_a_json_article_list_on_the_outlet_most_relevant_first():
    url = gdelt_query_url(
        GDELT_DOC_API,
        ["NATO", "coalition"],
        domain="reuters.com",
        around=AROUND,
        window=timedelta(days=2),
        now=NOW,
    )
    assert url.startswith(GDELT_DOC_API + "?")
    assert query_of(url) == {
        "query": ["NATO coalition domain:reuters.com"],
        "mode": ["artlist"],
        "format": ["json"],
        "sort": ["hybridrel"],
        "maxrecords": ["75"],
        "startdatetime": ["20170523134500"],
        "enddatetime": ["20170527134500"],
    }


def test_more_than_two_terms_are_ored_and_six_at_most_are_kept():
    terms = ["NATO", "Islamic State", "coalition", "Brussels", "diplomat", "Thursday", "summit"]
    assert search(terms)["query"] == [
        '(NATO OR "Islamic State" OR coalition OR Brussels OR diplomat OR Thursday)'
        " domain:reuters.com"
    ]


def test_without_a_domain_the_search_is_of_all_news():
    assert search(["NATO", "coalition", "Brussels"], domain=None)["query"] == [
        "(NATO OR coalition OR Brussels)"
    ]


def test_terms_too_short_for_gdelt_and_repeats_are_dropped():
    assert search(["EU", " NATO ", "us", "nato", "G 7", "UN"])["query"] == [
        'NATO "G 7" domain:reuters.com'
    ]


def test_a_term_cannot_inject_gdelt_operators():
    query = search(['x" OR domain:evil.com', "(sourcecountry:France)", "-NATO", 'Bob "the" Fish'])[
        "query"
    ][0]
    assert query == (
        '("x OR domain evil.com" OR "sourcecountry France" OR NATO OR "Bob the Fish")'
        " domain:reuters.com"
    )
    assert query.count("domain:") == 1
    assert query.count("(") == query.count(")") == 1


def test_the_domain_cannot_inject_operators_either():
    assert search(["NATO"], domain=' Reuters.com" OR (x')["query"] == ["NATO domain:reuters.comorx"]


def test_the_window_is_clamped_to_the_last_ninety_days():
    old = search(["NATO"], around=NOW - timedelta(days=89), window=timedelta(days=3))
    assert old["startdatetime"] == ["20170312120000"]  # NOW - 90 days
    assert old["enddatetime"] == ["20170316120000"]
    recent = search(["NATO"], around=NOW - timedelta(hours=6), window=timedelta(days=1))
    assert recent["startdatetime"] == ["20170609060000"]
    assert recent["enddatetime"] == ["20170610120000"]  # not after now


def test_the_window_is_in_utc_whatever_zone_the_dates_are_given_in():
    paris = timezone(timedelta(hours=2))
    query = search(
        ["NATO"],
        around=datetime(2017, 5, 25, 15, 45, tzinfo=paris),
        window=timedelta(hours=1),
        now=datetime(2017, 6, 10, 12),
    )
    assert query["startdatetime"] == ["20170525124500"]
    assert query["enddatetime"] == ["20170525144500"]


def test_max_records_is_capped_at_gdelts_limit():
    assert search(["NATO"], max_records=1000)["maxrecords"] == ["250"]
    assert search(["NATO"], max_records=10)["maxrecords"] == ["10"]


@pytest.mark.parametrize("terms", [[], ["EU", "UN", " "], ['""', "():", "--", "x:", '"-"']])
def test_without_a_usable_term_there_is_no_query(terms):
    with pytest.raises(ValueError):
        gdelt_query_url(
            GDELT_DOC_API, terms, domain="reuters.com", around=AROUND, window=timedelta(1), now=NOW
        )


# The answer


def article(url: str, title: str, seendate: str, **fields) -> dict:
    return {
        "url": url,
        "url_mobile": "",
        "title": title,
        "seendate": seendate,
        "socialimage": "",
        "domain": "reuters.com",
        "language": "English",
        "sourcecountry": "United States",
        **fields,
    }


def test_the_article_list_gives_candidates_in_its_order_dated_when_gdelt_saw_them():
    answer = {
        "articles": [
            article(STORY, "NATO to join  coalition\nagainst Islamic State", "20170525T101500Z"),
            article(OTHER, "NATO summit opens", "20170525T120000Z"),
        ]
    }
    assert parse_gdelt(json.dumps(answer).encode()) == [
        Candidate(
            url=STORY,
            title="NATO to join coalition against Islamic State",
            published=datetime(2017, 5, 25, 10, 15, tzinfo=UTC),
            source=NEWS_SEARCH,
        ),
        Candidate(
            url=OTHER,
            title="NATO summit opens",
            published=datetime(2017, 5, 25, 12, tzinfo=UTC),
            source=NEWS_SEARCH,
        ),
    ]


@pytest.mark.parametrize("answer", [b"{}", b'{"articles": []}', b"", b" \n"])
def test_no_results_is_no_candidates(answer):
    assert parse_gdelt(answer) == []


def test_a_story_listed_twice_is_one_candidate():
    answer = {
        "articles": [
            article(STORY, "First", "20170525T101500Z"),
            article(STORY, "Again", "20170525T111500Z"),
        ]
    }
    assert [candidate.title for candidate in parse_gdelt(json.dumps(answer))] == ["First"]


def test_malformed_entries_are_skipped():
    answer = {
        "articles": [
            "not an article",
            None,
            ["a", "list"],
            {"title": "no address", "seendate": "20170525T101500Z"},
            article("ftp://www.reuters.com/a", "not a web page", "20170525T101500Z"),
            article(12345, "address not text", "20170525T101500Z"),
            article(STORY, ["title", "not", "text"], "20170525T101500Z"),
            article(STORY, "date not text", 20170525101500),
            article(OTHER, "kept", "20170525T101500Z"),
        ]
    }
    assert [candidate.title for candidate in parse_gdelt(json.dumps(answer))] == ["kept"]


@pytest.mark.parametrize(
    "seendate", ["", "2017-05-25", "20171325T101500Z", "99999999T999999Z", "²⁰¹⁷0525T101500Z"]
)
def test_an_unreadable_seendate_leaves_the_date_unknown(seendate):
    answer = {"articles": [article(STORY, "NATO", seendate)]}
    assert parse_gdelt(json.dumps(answer))[0].published is None


def test_a_plain_text_error_is_a_feed_error_in_gdelts_words():
    error = (
        b"Please limit requests to one every 5 seconds or contact\nthe project for large queries.\n"
    )
    with pytest.raises(FeedError) as raised:
        parse_gdelt(error)
    assert (
        'The news search answered: "Please limit requests to one every 5 seconds or contact '
        'the project for large queries."' in str(raised.value)
    )


def test_a_long_error_is_quoted_in_its_first_200_characters():
    with pytest.raises(FeedError) as raised:
        parse_gdelt("Your query was too short. " * 50, url="https://api.gdeltproject.org/")
    message = str(raised.value)
    assert "https://api.gdeltproject.org/" in message
    quoted = message.split('"')[1]
    assert len(quoted) == 201 and quoted.endswith("…")


@pytest.mark.parametrize(
    "answer",
    [b'{"articles": "none"}', b"[1, 2]", b'{"articles": [', b"[" * 100_000, b'{"a":' * 100_000],
)
def test_json_that_is_no_article_list_is_a_feed_error(answer):
    with pytest.raises(FeedError, match="Could not read the news search"):
        parse_gdelt(answer)


HOSTILE = [
    bytes(range(256)) * 40,
    b'{"articles": [{"url": "' + bytes(range(128, 256)) + b'"}]}',
    "[" * 100_000 + "]" * 100_000,
    '{"articles": [' + "9" * 5000 + "]}",
    '{"articles": [{"url": "http://a.example/", "seendate": "\ud800"}]}',
    json.dumps({"articles": [article(STORY, "x" * 1_000_000, "20170525T101500Z")]}),
    "x" * 1_000_000,
    " " * 1_000_000,
]


@pytest.mark.parametrize("answer", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_answer_gives_a_list_or_a_feed_error_and_nothing_else(answer):
    try:
        candidates = parse_gdelt(answer)
    except FeedError:
        return
    assert isinstance(candidates, list)
    assert all(isinstance(candidate, Candidate) for candidate in candidates)


def test_control_characters_in_a_title_do_not_cost_the_results():
    answer = '{"articles": [{"url": "STORY", "title": "NATO\tjoins\x01"}]}'.replace("STORY", STORY)
    assert parse_gdelt(answer)[0].title == "NATO joins\x01"
