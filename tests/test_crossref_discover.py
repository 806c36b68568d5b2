"""Candidates for a claim: from feeds, sitemaps, site search and the article's links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from factcheck.crossref.discover import (
    ARTICLE_LINK,
    FEED,
    SEARCH,
    SITEMAP,
    Candidate,
    build_search_url,
    links_to,
    rank_candidates,
    search_query,
    search_results,
)
from factcheck.crossref.feeds import FeedError, parse_date, parse_feed, parse_sitemap
from factcheck.crossref.terms import key_terms, quotations
from factcheck.outlets.registry import Outlet

REUTERS = Outlet(name="Reuters", domains=("reuters.com",))
ARTICLE_DATE = datetime(2017, 5, 25, 13, 45, tzinfo=UTC)

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>World News</title>
  <item>
    <title>NATO to join coalition against Islamic State</title>
    <link>https://www.reuters.com/article/nato-coalition-idUSKBN18L1</link>
    <pubDate>Thu, 25 May 2017 10:12:00 +0200</pubDate>
    <description>&lt;p&gt;NATO leaders will agree to &lt;b&gt;join&lt;/b&gt;
      the coalition.&lt;/p&gt;</description>
  </item>
  <item><title>An item without a link is skipped</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>AFP</title>
  <entry>
    <title>Nato set to join anti-IS coalition</title>
    <link rel="alternate" href="https://www.afp.com/en/news/nato-is-coalition"/>
    <link rel="enclosure" href="https://www.afp.com/photo.jpg"/>
    <updated>2017-05-25T09:00:00Z</updated>
    <summary>Diplomats said the alliance would join.</summary>
  </entry>
</feed>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://www.reuters.com/article/nato-joins</loc>
    <news:news><news:publication><news:name>Reuters</news:name></news:publication>
      <news:publication_date>2017-05-25T08:00:00+00:00</news:publication_date>
      <news:title>NATO to join coalition against Islamic State</news:title></news:news></url>
  <url><loc>https://www.reuters.com/article/old-story</loc>
    <news:news><news:publication_date>2017-04-01</news:publication_date>
      <news:title>An older story</news:title></news:news></url>
  <url><loc>https://www.reuters.com/article/undated</loc></url>
</urlset>"""

PLAIN_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://www.reuters.com/a/one</loc><lastmod>2017-05-26</lastmod></url>
  <url><loc>https://www.reuters.com/a/two</loc><lastmod>2016-01-01</lastmod></url>
</urlset>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://www.reuters.com/sitemap-2017-05.xml</loc>
    <lastmod>2017-05-31</lastmod></sitemap>
  <sitemap><loc>https://www.reuters.com/sitemap-2016-12.xml</loc>
    <lastmod>2016-12-31</lastmod></sitemap>
  <sitemap><loc>https://www.reuters.com/sitemap-undated.xml</loc></sitemap>
</sitemapindex>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss><channel><item><title>&lol3;</title><link>https://x.example/</link></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&secret;</title><link>https://x.example/</link></item></channel></rss>"""


def test_an_rss_feed_gives_its_items_with_dates_in_utc_and_summaries_as_plain_text():
    [item] = parse_feed(RSS)
    assert item == Candidate(
        url="https://www.reuters.com/article/nato-coalition-idUSKBN18L1",
        title="NATO to join coalition against Islamic State",
        published=datetime(2017, 5, 25, 8, 12, tzinfo=UTC),
        summary="NATO leaders will agree to join the coalition.",
        source=FEED,
    )


def test_an_atom_feed_gives_its_entries_by_their_alternate_link():
    [entry] = parse_feed(ATOM)
    assert entry.url == "https://www.afp.com/en/news/nato-is-coalition"
    assert entry.title == "Nato set to join anti-IS coalition"
    assert entry.published == datetime(2017, 5, 25, 9, 0, tzinfo=UTC)
    assert entry.summary == "Diplomats said the alliance would join."


def test_a_google_news_sitemap_gives_titles_and_keeps_the_window_around_the_article():
    sitemap = parse_sitemap(NEWS_SITEMAP, around=ARTICLE_DATE)
    assert [(c.url, c.title) for c in sitemap.candidates] == [
        (
            "https://www.reuters.com/article/nato-joins",
            "NATO to join coalition against Islamic State",
        ),
        ("https://www.reuters.com/article/undated", None),
    ]
    assert sitemap.candidates[0].source == SITEMAP
    assert sitemap.candidates[0].published == datetime(2017, 5, 25, 8, 0, tzinfo=UTC)


def test_a_plain_sitemap_is_filtered_by_lastmod():
    sitemap = parse_sitemap(PLAIN_SITEMAP, around=ARTICLE_DATE, window=timedelta(days=2))
    assert [c.url for c in sitemap.candidates] == ["https://www.reuters.com/a/one"]


def test_without_a_date_to_go_by_every_page_of_a_sitemap_is_kept():
    assert len(parse_sitemap(PLAIN_SITEMAP).candidates) == 2


def test_a_sitemap_index_gives_the_child_sitemaps_that_may_hold_the_window():
    index = parse_sitemap(SITEMAP_INDEX, around=ARTICLE_DATE)
    assert index.candidates == []
    assert index.sitemaps == [
        "https://www.reuters.com/sitemap-2017-05.xml",
        "https://www.reuters.com/sitemap-undated.xml",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<rss><channel><item>", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"<html><body>Not a feed</body></html>", "neither an RSS 2.0 nor an Atom feed"),
    ],
)
def test_a_feed_that_is_not_one_is_a_clear_error(data, message):
    with pytest.raises(FeedError, match=message):
        parse_feed(data, feed_url="https://www.reuters.com/feed")


def test_a_sitemap_that_is_not_one_is_a_clear_error():
    with pytest.raises(FeedError, match="is not a sitemap"):
        parse_sitemap(RSS, sitemap_url="https://www.reuters.com/sitemap.xml")


@pytest.mark.parametrize("bomb", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_xml_entities_are_refused_not_expanded(bomb):
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(bomb, feed_url="https://evil.example/feed")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Thu, 25 May 2017 10:12:00 GMT", datetime(2017, 5, 25, 10, 12, tzinfo=UTC)),
        ("2017-05-25T12:00:00+02:00", datetime(2017, 5, 25, 10, 0, tzinfo=UTC)),
        ("2017-05-25", datetime(2017, 5, 25, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
    ],
)
def test_feed_dates_are_read_in_both_formats(value, expected):
    assert parse_date(value) == expected


def test_key_terms_are_names_then_numbers_then_rare_words_without_stop_words():
    claim = "With many of the 28 member states already taking part, NATO will join the coalition."
    assert key_terms(claim) == ["NATO", "28", "member", "states", "already", "taking", "coalition"]


def test_quotations_shorter_than_three_words_are_not_quotes():
    claim = "In a show of “unity”, he said: “NATO as an institution will join the coalition.”"
    assert quotations(claim) == ["NATO as an institution will join the coalition."]


def test_the_search_query_prefers_the_words_of_the_quotation():
    claim = (
        "“NATO as an institution will join the coalition,” one senior diplomat involved in "
        "the discussions told the Reuters news agency."
    )
    assert search_query(claim) == "NATO institution coalition Reuters senior diplomat"


def test_the_search_url_is_the_template_with_the_query_url_encoded():
    url = build_search_url(
        "https://www.reuters.com/site-search/?query={query}&sort=newest",
        "Tillerson said NATO’s joining “would be a really important step” & more.",
    )
    parts = urlsplit(url)
    assert parts.path == "/site-search/"
    assert parse_qs(parts.query) == {
        "query": ["important Tillerson NATO joining"],
        "sort": ["newest"],
    }


def test_links_in_the_article_to_the_outlet_become_candidates():
    article = """<p>As <a href="https://www.reuters.com/article/nato-joins#top">Reuters
    reported</a>, NATO will join. See also <a href="/related">this</a> and
    <a href="https://example.com/x">that</a>.</p>
    <p>Source: https://uk.reuters.com/article/nato-idUK, retrieved today.</p>"""
    candidates = links_to(article, REUTERS, base_url="https://www.middleeastmonitor.com/a")
    assert candidates == [
        Candidate(
            "https://www.reuters.com/article/nato-joins",
            "Reuters reported",
            None,
            None,
            ARTICLE_LINK,
        ),
        Candidate("https://uk.reuters.com/article/nato-idUK", None, None, None, ARTICLE_LINK),
    ]


def test_search_results_are_the_result_links_back_to_the_outlet():
    page = """<a href="/site-search/?query=NATO">NATO</a>
    <a href="/article/nato-joins">NATO to join coalition</a>
    <a href="https://twitter.com/reuters">Follow us</a>"""
    search_url = "https://www.reuters.com/site-search/?query=NATO"
    assert search_results(page, REUTERS, search_url=search_url) == [
        Candidate(
            "https://www.reuters.com/article/nato-joins", "NATO to join coalition", source=SEARCH
        ),
    ]


def test_candidates_are_ranked_by_shared_terms_and_then_by_closeness_in_time():
    claim = "NATO is set to join the US-led coalition against Daesh, diplomatic sources say."
    on_topic = Candidate(
        "https://www.reuters.com/article/nato-coalition",
        "NATO to join US-led coalition",
        ARTICLE_DATE,
    )
    same_words_later = Candidate(
        "https://www.reuters.com/article/nato-coalition-anniversary",
        "NATO to join US-led coalition",
        ARTICLE_DATE + timedelta(days=30),
    )
    off_topic = Candidate("https://www.reuters.com/article/markets", "Stocks rise", ARTICLE_DATE)
    by_slug = Candidate("https://www.reuters.com/world/nato-daesh-coalition-diplomatic-2017")
    ranked = rank_candidates(
        [off_topic, same_words_later, by_slug, on_topic], claim, published=ARTICLE_DATE
    )
    assert [r.candidate for r in ranked] == [on_topic, by_slug, same_words_later, off_topic]
    assert [r.score for r in ranked] == [0.85, 0.8, 0.6, 0.25]
