"""Discovery that reaches older stories: the full sitemaps a robots.txt names, a web
archive's captures (CDX) and archived copies of pages gone (Memento), and a news search
(GDELT), each against servers played on loopback in the real APIs' formats."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from factcheck.crossref import FetchPolicy, WarcArchive
from factcheck.crossref.gather import ClaimInArticle, gather, gather_batch
from factcheck.crossref.routes import Routes
from factcheck.outlets.registry import load_registry
from tests import crossref_world
from tests.harness import OutletSimulator, WorkerProcess, make_stack, wait_for
from tests.test_crossref_pipeline import gathered, references
from tests.test_pipeline import submit, web_client
from tests.web_archive_world import NewsItem, PlayedArchive, on_day

POLICY = FetchPolicy(allow_hosts=("127.0.0.1",), per_host_limit=4, min_delay=0.0, timeout=5)
ARTICLE_DAY = on_day(2017, 5, 25, 0)
QUOTE = (
    "“NATO as an institution will join the coalition,” one senior diplomat involved in "
    "the discussions told the Gazette."
)
OTHER_QUOTE = (
    "“The question is whether this is just a symbolic gesture to the United States,” "
    "the diplomat told the Gazette."
)
STORY_PATH = "/gazette/2017/05/25/nato-to-join-coalition"
WEATHER = "<html><body><p>Rain all week in Brussels, the forecast says.</p></body></html>"


def gazette(outlets: OutletSimulator, folder: Path, fields: str = "") -> object:
    """A registry of one outlet, the Gazette, on loopback: a feed of today's weather
    only (it answers, and holds nothing of 2017), plus `fields`."""
    feed = crossref_world.feed(outlets.base_url, "/gazette/weather", "Weather")
    outlets.page("/gazette/feed.xml", feed, content_type="application/rss+xml")
    outlets.page("/gazette/weather", WEATHER)
    outlets.page("/weather", WEATHER)
    registry_file = folder / "outlets.toml"
    registry_file.write_text(
        f"""[[outlets]]
name = "Gazette"
domains = ["127.0.0.1"]
feeds = ["{outlets.url("/gazette/feed.xml")}"]
{fields}
""",
        encoding="utf-8",
    )
    return load_registry(registry_file)


def quote_claim(text: str = QUOTE, **more: object) -> ClaimInArticle:
    found = ClaimInArticle(
        text=text,
        speaker="one senior diplomat",
        kind="quote",
        cited_outlets=("Gazette",),
        article_text="NATO joins the coalition against Islamic State. " + text,
        published=ARTICLE_DAY,
    )
    return replace(found, **more)


def archive_routes(archive: PlayedArchive, **more: object) -> Routes:
    return Routes(
        archive_index_url=archive.index_url, archive_timemap_url=archive.timemap_url, **more
    )  # type: ignore[arg-type]


def outcome_of(gathered, outlet: str = "Gazette"):
    return next(o for o in gathered.outcomes if o.outlet == outlet)


def sitemap(*urls: str) -> str:
    entries = "".join(f"<url><loc>{url}</loc><lastmod>2021-02-03</lastmod></url>" for url in urls)
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</urlset>"
    )


def sitemap_index(*urls: str) -> str:
    entries = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in urls)
    return (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</sitemapindex>"
    )


# Full sitemaps


def test_a_story_listed_only_in_the_full_sitemap_of_its_month_that_robots_txt_names_is_found(
    outlets, tmp_path
):
    registry = gazette(outlets, tmp_path)
    index = outlets.url("/gazette/sitemap-index.xml")
    outlets.page("/robots.txt", f"User-agent: *\nAllow: /\nSitemap: {index}\n", "text/plain")
    months = [
        outlets.url(f"/gazette/sitemap-{m}.xml.gz") for m in ("2017-04", "2017-05", "2017-06")
    ]
    outlets.page("/gazette/sitemap-index.xml", sitemap_index(*months), "application/xml")
    may = gzip.compress(sitemap(outlets.url(STORY_PATH)).encode())
    outlets.page("/gazette/sitemap-2017-05.xml.gz", may, "application/gzip")
    outlets.page(STORY_PATH, crossref_world.REUTERS_STORY)

    gathered = gather(
        quote_claim(), registry=registry, policy=POLICY, archive=WarcArchive(tmp_path / "a")
    )

    story = next(e for e in gathered.evidence if e.url.endswith(STORY_PATH))
    assert story.source == "sitemap" and story.hints[0] == "quote found"
    assert outcome_of(gathered).outcome == "found"
    assert index in outcome_of(gathered).searched.routes
    # Only the month of the article is read, though its neighbours are listed.
    assert "/gazette/sitemap-2017-04.xml.gz" not in outlets.requests
    assert "/gazette/sitemap-2017-06.xml.gz" not in outlets.requests


def test_a_gone_sitemap_robots_txt_names_does_not_spoil_a_search_the_outlets_feed_answered(
    outlets, tmp_path
):
    registry = gazette(outlets, tmp_path)
    stale = outlets.url("/gazette/old-sitemap.xml")  # not served: 404
    outlets.page("/robots.txt", f"Sitemap: {stale}\n", "text/plain")

    gathered = gather(
        quote_claim(), registry=registry, policy=POLICY, archive=WarcArchive(tmp_path / "a")
    )

    assert outcome_of(gathered).outcome == "nothing_found"
    assert outcome_of(gathered).failures == ()


def test_robots_txt_is_not_asked_for_sitemaps_when_the_route_is_off_or_the_registry_names_some(
    outlets, tmp_path
):
    registry = gazette(outlets, tmp_path)
    outlets.page("/robots.txt", f"Sitemap: {outlets.url('/gazette/found.xml')}\n", "text/plain")
    outlets.page("/gazette/found.xml", sitemap(), "application/xml")

    gather(
        quote_claim(),
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "a"),
        routes=Routes(full_sitemaps=False),
    )
    assert "/gazette/found.xml" not in outlets.requests

    named = gazette(outlets, tmp_path, f'sitemaps = ["{outlets.url("/gazette/own.xml")}"]')
    outlets.page("/gazette/own.xml", sitemap(), "application/xml")
    gather(quote_claim(), registry=named, policy=POLICY, archive=WarcArchive(tmp_path / "a"))
    assert "/gazette/found.xml" not in outlets.requests


# The web archive


def test_a_story_only_the_web_archive_lists_is_found_and_read_from_the_outlets_own_site(
    outlets, tmp_path
):
    registry = gazette(outlets, tmp_path)
    archive = PlayedArchive(outlets)
    archive.capture(outlets.url(STORY_PATH), on_day(2017, 5, 26), crossref_world.REUTERS_STORY)
    archive.capture(outlets.url("/gazette/2016/old-nato-story"), on_day(2016, 5, 26), "old")
    archive.capture(outlets.url("/gazette/2017/05/25/weather"), on_day(2017, 5, 25), WEATHER)
    outlets.page(STORY_PATH, crossref_world.REUTERS_STORY)

    found = gather_batch(
        [quote_claim(), quote_claim(OTHER_QUOTE)],
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "a"),
        routes=archive_routes(archive),
        now=datetime(2026, 12, 3, tzinfo=UTC),
    )

    story = next(e for e in found[0].evidence if e.url.endswith(STORY_PATH))
    assert story.source == "web archive" and story.hints[0] == "quote found"
    assert story.result.archived_by is None  # the outlet's own page, read live
    # One question to the archive for the two claims of the article, for its dates and
    # for addresses holding the claims' words.
    [asked] = [r for r in outlets.requests if r.startswith("/cdx?url=127.0.0.1&")]
    assert "from=20170522" in asked and "to=20170604" in asked and "nato" in asked
    assert "gazette" not in asked  # the outlet's name is in none of its addresses' slugs
    assert "/gazette/2016/old-nato-story" not in outlets.requests


def test_the_archives_index_answering_in_text_lines_is_read_too(outlets, tmp_path):
    registry = gazette(outlets, tmp_path)
    archive = PlayedArchive(outlets, text_lines=True)
    archive.capture(outlets.url(STORY_PATH), on_day(2017, 5, 26), crossref_world.REUTERS_STORY)
    outlets.page(STORY_PATH, crossref_world.REUTERS_STORY)

    gathered = gather(
        quote_claim(),
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "a"),
        routes=archive_routes(archive),
    )

    assert outcome_of(gathered).outcome == "found"


def test_a_story_gone_from_its_site_is_read_from_the_archived_copy_closest_to_the_article(
    outlets, tmp_path
):
    registry = gazette(outlets, tmp_path)
    archive = PlayedArchive(outlets)
    story = outlets.url(STORY_PATH)
    outlets.page(STORY_PATH, "Gone", status=410)
    archive.capture(story, on_day(2017, 5, 26, 9), crossref_world.REUTERS_STORY)
    archive.capture(story, on_day(2019, 1, 2), "<html><body><p>Page moved.</p></body></html>")

    gathered = gather(
        quote_claim(),
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "a", compress=False),
        routes=archive_routes(archive),
    )

    [copy] = [e for e in gathered.evidence if e.url == story]
    assert copy.error is None and copy.hints[0] == "quote found"
    assert copy.result.archived_by == "Wayback Machine"
    assert copy.result.fetched_at == on_day(2017, 5, 26, 9)  # the capture's time
    assert copy.result.memento_url == archive.outlets.url(f"/web/20170526090000/{story}")
    assert outcome_of(gathered).outcome == "found"
    # The WARC keeps it under the story's own address, at the capture's time, and says
    # which memento it was read from.
    [warc] = (tmp_path / "a").glob("*.warc")  # today's file, though the copy is of 2017
    with warc.open("rb") as stream:
        [headers] = [
            r.rec_headers
            for r in ArchiveIterator(stream)
            if r.rec_type == "response" and r.rec_headers.get_header("WARC-Target-URI") == story
        ]
        assert headers.get_header("WARC-Date").startswith("2017-05-26T09:00:00")
        assert "/web/20170526090000/" in headers.get_header("WARC-Source-URI")


def test_a_page_gone_with_no_archived_copy_keeps_its_own_failure(outlets, tmp_path):
    registry = gazette(outlets, tmp_path)
    archive = PlayedArchive(outlets)
    link = f'<p>As <a href="{outlets.url(STORY_PATH)}">the Gazette reported</a>.</p>'

    gathered = gather(
        quote_claim(article_html=link),
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "a"),
        routes=archive_routes(archive),
    )

    [gone] = [e for e in gathered.evidence if e.url.endswith(STORY_PATH)]
    assert "404" in gone.error


@pytest.mark.parametrize("feed_answers", [True, False])
def test_an_archive_outage_counts_as_a_failure_only_when_nothing_else_of_the_outlet_answered(
    outlets, tmp_path, feed_answers
):
    registry = gazette(outlets, tmp_path)
    if not feed_answers:
        outlets.page("/gazette/feed.xml", "Down", status=404)
    archive = PlayedArchive(outlets)
    archive.index_status = 503

    outcome = outcome_of(
        gather(
            quote_claim(),
            registry=registry,
            policy=POLICY,
            archive=WarcArchive(tmp_path / "a"),
            routes=archive_routes(archive),
        )
    )

    if feed_answers:
        assert (outcome.outcome, outcome.failures) == ("nothing_found", ())
    else:
        assert outcome.outcome == "could_not_check"
        assert outcome.failures[0].url.endswith("/gazette/feed.xml")


def test_the_archive_is_not_asked_for_an_article_too_recent_or_of_unknown_date(outlets, tmp_path):
    registry = gazette(outlets, tmp_path)
    archive = PlayedArchive(outlets)
    routes = archive_routes(archive)
    for published in (datetime.now(UTC) - timedelta(days=1), None):
        gather(
            quote_claim(published=published)
            if published
            else replace(quote_claim(), published=None),
            registry=registry,
            policy=POLICY,
            archive=WarcArchive(tmp_path / "a"),
            routes=routes,
        )
    assert not [r for r in outlets.requests if r.startswith("/cdx")]


# The news search


def test_the_news_search_is_asked_once_per_article_and_outlet_and_its_results_are_read(
    outlets, tmp_path
):
    registry = gazette(outlets, tmp_path)
    archive = PlayedArchive(outlets)
    recent = datetime(2026, 11, 30, tzinfo=UTC)
    archive.news.append(NewsItem(outlets.url(STORY_PATH), "NATO to join coalition", recent))
    outlets.page(STORY_PATH, crossref_world.REUTERS_STORY)
    claims = [quote_claim(published=recent), quote_claim(OTHER_QUOTE, published=recent)]
    # The two claims come from one article.
    claims[1] = replace(claims[1], article_text=claims[0].article_text)

    found = gather_batch(
        claims,
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "a"),
        routes=Routes(news_search_url=archive.news_url),
        now=datetime(2026, 12, 3, tzinfo=UTC),
    )

    story = next(e for e in found[0].evidence if e.url.endswith(STORY_PATH))
    assert story.source == "news search" and story.hints[0] == "quote found"
    [asked] = [r for r in outlets.requests if r.startswith("/gdelt") and "127.0.0.1" in r]
    assert "mode=artlist" in asked


def test_the_news_searchs_own_words_explain_its_failure_when_nothing_else_answered(
    outlets, tmp_path
):
    registry_file = tmp_path / "outlets.toml"
    registry_file.write_text('[[outlets]]\nname = "Gazette"\ndomains = ["127.0.0.1"]\n')
    registry = load_registry(registry_file)
    archive = PlayedArchive(outlets)
    archive.news_error = "Please limit requests to one every 5 seconds."
    recent = datetime(2026, 11, 30, tzinfo=UTC)

    outcome = outcome_of(
        gather(
            quote_claim(published=recent),
            registry=registry,
            policy=POLICY,
            archive=WarcArchive(tmp_path / "a"),
            routes=Routes(news_search_url=archive.news_url),
            now=datetime(2026, 12, 3, tzinfo=UTC),
        )
    )

    assert outcome.outcome == "could_not_check"
    assert any("Please limit requests" in f.message for f in outcome.failures)


def test_the_news_search_is_not_asked_beyond_its_three_months(outlets, tmp_path):
    registry = gazette(outlets, tmp_path)
    archive = PlayedArchive(outlets)

    gather(
        quote_claim(),  # 2017
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "a"),
        routes=Routes(news_search_url=archive.news_url),
    )

    assert not [r for r in outlets.requests if r.startswith("/gdelt")]


# End to end, through a real worker on the back end under test


GONE_ARTICLE = (
    "NATO to join the coalition against Islamic State\n\nPublished 25 May 2017\n\n"
    "BRUSSELS - NATO leaders met on Thursday to agree an action plan on terrorism.\n\n"
    "“NATO as an institution will join the coalition,” one senior diplomat involved in the "
    "discussions told the Gazette.\n"
)


@pytest.mark.worker
def test_a_worker_reads_a_story_gone_from_its_site_from_the_archive_and_shows_it_so(
    outlets, tmp_path
):
    registry_file = tmp_path / "outlets.toml"
    registry_file.write_text('[[outlets]]\nname = "Gazette"\ndomains = ["127.0.0.1"]\n')
    outlets.page("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
    archive = PlayedArchive(outlets)
    story = outlets.url(STORY_PATH)
    archive.capture(story, on_day(2017, 5, 26, 9), crossref_world.REUTERS_STORY)  # gone: 404
    stack = make_stack(
        tmp_path,
        FACTCHECK_CROSSREF="1",
        FACTCHECK_OUTLETS_FILE=str(registry_file),
        FACTCHECK_WIRE_AGENCIES="",
        FACTCHECK_ARCHIVE_INDEX_URL=archive.index_url,
        FACTCHECK_ARCHIVE_TIMEMAP_URL=archive.timemap_url,
    )
    worker = WorkerProcess(stack, tmp_path / "worker.log").start()
    try:
        client = web_client(stack)
        submit(client, GONE_ARTICLE)
        wait_for(lambda: gathered(stack), timeout=90)

        [ref] = [ref for _text, ref in references(stack) if ref.url == story]
        assert ref.hint == "quote found" and ref.source == "web archive"
        assert ref.archive_name == "Wayback Machine" and ref.etag is None
        page = client.get(f"/claims/{ref.claim_id}").get_data(as_text=True)
        assert "archived copy from 2017-05-26</a> (Wayback Machine)" in page
        copy = client.get(f"/crossrefs/{ref.id}/archived").get_data(as_text=True)
        assert "Archived copy from 2017-05-26 09:00:00 UTC (Wayback Machine)" in copy
        assert "the copy matches it" in copy
    finally:
        worker.stop()
        stack.close()


# What the review of the routes found, each fixed


def test_unreadable_addresses_from_robots_txt_the_archive_and_the_news_search_fail_no_batch(
    outlets, tmp_path
):
    registry = gazette(outlets, tmp_path)
    outlets.page("/robots.txt", "Sitemap: http://[oops/s.xml\n", "text/plain")
    archive = PlayedArchive(outlets)
    archive.capture("http://[oops/nato-coalition", on_day(2017, 5, 26), "")
    recent = datetime(2026, 11, 30, tzinfo=UTC)
    archive.news.append(NewsItem("https://[x/nato", "NATO to join coalition", recent))
    routes = Routes(
        archive_index_url=archive.index_url,
        archive_timemap_url=archive.timemap_url,
        news_search_url=archive.news_url,
    )

    for published in (ARTICLE_DAY, recent):
        gathered = gather(
            quote_claim(published=published),
            registry=registry,
            policy=POLICY,
            archive=WarcArchive(tmp_path / "a"),
            routes=routes,
            now=datetime(2026, 12, 3, tzinfo=UTC),
        )
        assert outcome_of(gathered).outcome == "nothing_found"


@pytest.mark.parametrize(
    "published",
    [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC), datetime(1, 1, 1)],
)
def test_an_article_date_no_article_has_is_taken_as_unknown(outlets, tmp_path, published):
    registry = gazette(outlets, tmp_path)
    outlets.page("/robots.txt", f"Sitemap: {outlets.url('/gazette/sitemap-2017.xml')}\n")
    archive = PlayedArchive(outlets)

    gathered = gather(
        quote_claim(published=published),
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "a"),
        routes=archive_routes(archive, news_search_url=archive.news_url),
    )

    assert outcome_of(gathered).outcome == "nothing_found"


def test_an_archived_copy_that_redirects_to_another_page_is_not_taken_for_the_page(
    outlets, tmp_path
):
    registry = gazette(outlets, tmp_path)
    archive = PlayedArchive(outlets)
    story, other = outlets.url(STORY_PATH), outlets.url("/gazette/other-story")
    archive.capture(story, on_day(2017, 5, 26), "")
    archive.capture(other, on_day(2017, 5, 26), crossref_world.REUTERS_STORY)
    # The archive replays the capture of a redirect: to the other page's memento.
    outlets.redirect(
        f"/web/20170526120000id_/{story}", outlets.url(f"/web/20170526120000id_/{other}")
    )
    link = f'<p>As <a href="{story}">the Gazette reported</a>.</p>'

    gathered = gather(
        quote_claim(article_html=link),
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "a"),
        routes=Routes(archive_timemap_url=archive.timemap_url),
    )

    [gone] = [e for e in gathered.evidence if e.url == story]
    assert gone.error and "404" in gone.error


def test_a_failed_child_of_the_registrys_own_sitemap_index_still_counts(outlets, tmp_path):
    registry = gazette(outlets, tmp_path, f'sitemaps = ["{outlets.url("/gazette/index.xml")}"]')
    child = outlets.url("/gazette/sitemap-2017-05.xml")
    outlets.page("/gazette/index.xml", sitemap_index(child), "application/xml")
    outlets.page("/gazette/sitemap-2017-05.xml", "Busy", status=503)

    outcome = outcome_of(
        gather(
            quote_claim(),
            registry=registry,
            policy=POLICY,
            archive=WarcArchive(tmp_path / "a"),
            routes=Routes(full_sitemaps=False),
        )
    )

    assert outcome.outcome == "could_not_check"
    assert [f.url for f in outcome.failures] == [child]


def test_a_slow_site_is_not_read_from_the_archive_its_failure_stands(outlets, tmp_path):
    registry = gazette(outlets, tmp_path)
    archive = PlayedArchive(outlets)
    outlets.page(STORY_PATH, crossref_world.REUTERS_STORY, delay=1.0)
    archive.capture(outlets.url(STORY_PATH), on_day(2017, 5, 26), crossref_world.REUTERS_STORY)
    link = f'<p>As <a href="{outlets.url(STORY_PATH)}">the Gazette reported</a>.</p>'

    gathered = gather(
        quote_claim(article_html=link),
        registry=registry,
        policy=FetchPolicy(allow_hosts=("127.0.0.1",), min_delay=0.0, timeout=0.3, retries=0),
        archive=WarcArchive(tmp_path / "a"),
        routes=Routes(archive_timemap_url=archive.timemap_url),
    )

    [slow] = [e for e in gathered.evidence if e.url.endswith(STORY_PATH)]
    assert slow.error_kind == "timeout" and slow.error_retryable
    assert not [r for r in outlets.requests if r.startswith("/timemap")]


def test_a_robots_txt_that_cannot_be_read_is_asked_for_once_by_the_routes_and_the_pages(
    outlets, tmp_path
):
    registry = gazette(outlets, tmp_path)
    outlets.page("/robots.txt", "Busy", status=503)

    gather(
        quote_claim(),
        registry=registry,
        policy=replace(POLICY, retries=0),
        archive=WarcArchive(tmp_path / "a"),
    )

    assert outlets.requests.count("/robots.txt") == 1


def test_the_claims_of_one_article_gathered_in_two_tasks_ask_the_news_search_once(
    outlets, tmp_path
):
    registry = gazette(outlets, tmp_path)
    archive = PlayedArchive(outlets)
    recent = datetime(2026, 11, 30, tzinfo=UTC)
    first, second = quote_claim(published=recent), quote_claim(OTHER_QUOTE, published=recent)
    second = replace(second, article_text=first.article_text)

    for batch in ([first], [second]):
        gather_batch(
            batch,
            registry=registry,
            policy=POLICY,
            archive=WarcArchive(tmp_path / "a"),
            routes=Routes(news_search_url=archive.news_url),
            now=datetime(2026, 12, 3, 10, 5, tzinfo=UTC),
        )

    assert len([r for r in outlets.requests if r.startswith("/gdelt?") and "127.0.0.1" in r]) == 1
