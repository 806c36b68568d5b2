"""Gathering a claim's cross-references from outlets played by a loopback server."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from factcheck.crossref import FetchPolicy, WarcArchive
from factcheck.crossref.feeds import MAX_SITEMAP_BYTES, FeedError, parse_sitemap, sitemap_period
from factcheck.crossref.gather import (
    READ_PAGES,
    ClaimInArticle,
    gather,
    gather_batch,
    outlets_to_search,
)
from factcheck.outlets.registry import load_registry
from tests import crossref_world
from tests.harness import OutletSimulator

POLICY = FetchPolicy(allow_hosts=("127.0.0.1",), per_host_limit=4, min_delay=0.0, timeout=5)


@pytest.fixture
def world(outlets: OutletSimulator, tmp_path):
    return load_registry(crossref_world.build(outlets, tmp_path))


def claim(
    text: str, *cited: str, speaker: str | None = None, kind: str = "quote", **more
) -> ClaimInArticle:
    return ClaimInArticle(
        text=text,
        speaker=speaker,
        kind=kind,
        cited_outlets=cited,
        article_text="An article.",
        **more,
    )


def test_a_misquote_of_reuters_is_found_with_its_word_diff(world, tmp_path):
    found = gather(
        claim(
            "“The question is whether this is just a symbolic gesture to the United States.",
            "Reuters",
            speaker="one senior diplomat",
        ),
        registry=world,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    ).evidence

    best = max((e for e in found if e.outlet == "Reuters"), key=lambda e: e.alignment.score)
    assert best.url.endswith("/reuters/nato-coalition")
    assert best.hints[0] == "quote differs"
    assert ("insert", "is") in best.alignment.quote_diff
    assert best.archived.sha256 and best.source == "feed"


def test_a_source_that_credits_another_outlet_is_followed_one_hop(world, tmp_path):
    found = gather(
        claim(
            "It includes the accession of NATO to the global coalition against IS [Daesh].”",
            "Al Jazeera",
            speaker="One diplomatic source",
        ),
        registry=world,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    ).evidence

    aljazeera = next(e for e in found if e.url.endswith("/aljazeera/nato-isil"))
    afp = [e for e in found if e.outlet == "AFP"]
    assert "credited to AFP" in aljazeera.hints
    assert afp and all(e.depth == 1 and e.parent_url == aljazeera.url for e in afp)
    assert max(e.alignment.score for e in afp if e.alignment) > 0


def test_no_chain_is_followed_at_depth_zero(world, tmp_path):
    found = gather(
        claim(
            "It includes the accession of NATO to the global coalition against IS.", "Al Jazeera"
        ),
        registry=world,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
        chain_depth=0,
    ).evidence
    assert {e.outlet for e in found} == {"Al Jazeera"}


def gazette_outcome(tmp_path, fields: str, **more):
    """What searching a Gazette registered with these TOML `fields` came to for the quote."""
    registry_file = tmp_path / "outlets.toml"
    registry_file.write_text(f'[[outlets]]\nname = "Gazette"\n{fields}\n', encoding="utf-8")
    gathered = gather(
        claim(NATO_QUOTE, "Gazette", **more),
        registry=load_registry(registry_file),
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    )
    return outcomes_of(gathered)["Gazette"]


def outcomes_of(gathered) -> dict[str, object]:
    return {outcome.outlet: outcome for outcome in gathered.outcomes}


NATO_QUOTE = "“NATO as an institution will join the coalition,” one diplomat told Reuters."


def test_an_outlet_whose_page_bears_on_the_claim_is_found(world, tmp_path):
    gathered = gather(
        claim(NATO_QUOTE, "Reuters"),
        registry=world,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    )
    reuters = outcomes_of(gathered)["Reuters"]
    assert (reuters.outcome, reuters.failures) == ("found", ())
    assert reuters.reason == "1 page bears on the claim."
    assert reuters.searched.listings == 1 and reuters.searched.pages_read >= 1


def test_an_outlet_searched_with_nothing_on_the_claim_is_nothing_found(world, tmp_path):
    gathered = gather(
        claim(
            "The city council approved a new budget for public libraries on Monday.",
            "AFP",
            kind="statement",
        ),
        registry=world,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    )
    afp = outcomes_of(gathered)["AFP"]
    assert afp.outcome == "nothing_found" and afp.failures == ()
    assert afp.searched.routes == (world.get("AFP").feeds[0],)
    assert afp.searched.listings == 1
    assert "none bears on the claim" in afp.reason
    # Only pages read are evidence: no row stands for "searched, nothing found".
    assert all(e.result is not None for e in gathered.evidence)


@pytest.mark.parametrize(
    ("answer", "kind", "said"),
    [
        ({"status": 404}, "http_status", "answered 404"),
        ({"status": 200, "content_type": "application/rss+xml"}, "malformed", "feed"),
        ({"status": 200, "delay": 1.5}, "timeout", "did not answer within"),
    ],
)
def test_an_outlet_whose_feed_fails_could_not_be_checked(
    world, outlets, tmp_path, answer, kind, said
):
    status = answer["status"]
    outlets.page(
        "/reuters/feed.xml",
        "<rss><channel><item>unclosed" if status == 200 else "gone",
        content_type=answer.get("content_type", "application/rss+xml"),
        status=status,
        delay=answer.get("delay", 0.0),
    )
    gathered = gather(
        claim(NATO_QUOTE, "Reuters"),
        registry=world,
        policy=replace(POLICY, timeout=0.5, retries=0),
        archive=WarcArchive(tmp_path / "archive"),
    )
    reuters = outcomes_of(gathered)["Reuters"]
    assert reuters.outcome == "could_not_check"
    [failure] = reuters.failures
    assert (failure.url, failure.kind) == (world.get("Reuters").feeds[0], kind)
    assert said in failure.message.lower() or said in failure.message
    assert reuters.reason.startswith("1 request failed: ")
    assert gathered.evidence == []


def test_an_outlet_whose_host_does_not_resolve_could_not_be_checked_for_dns(tmp_path):
    gazette = gazette_outcome(
        tmp_path, 'domains = ["gazette.invalid"]\nfeeds = ["https://gazette.invalid/feed.xml"]'
    )
    assert gazette.outcome == "could_not_check"
    assert [f.kind for f in gazette.failures] == ["dns"]
    assert "host not found (DNS)" in gazette.reason


def test_an_outlet_with_no_route_and_no_link_is_not_searchable(tmp_path):
    gazette = gazette_outcome(tmp_path, "")
    assert gazette.outcome == "not_searchable"
    assert gazette.searched.routes == () and gazette.failures == ()
    assert "no feed, sitemap or search page of Gazette" in gazette.reason


def test_an_outlet_known_by_its_domain_alone_whose_site_cannot_be_reached_could_not_be_checked(
    tmp_path,
):
    """Its robots.txt, which may name its full sitemaps, is a route (for a claim of a
    known date, which they are read for): one that failed."""
    gazette = gazette_outcome(
        tmp_path, 'domains = ["gazette.invalid"]', published=datetime(2017, 5, 25, tzinfo=UTC)
    )
    assert gazette.outcome == "could_not_check"
    assert [(f.url, f.kind) for f in gazette.failures] == [
        ("https://gazette.invalid/robots.txt", "dns")
    ]


def test_a_link_in_the_article_makes_an_outlet_without_routes_searchable(outlets, tmp_path):
    outlets.page("/gazette/story", crossref_world.REUTERS_STORY)
    link = f'<p>As <a href="{outlets.url("/gazette/story")}">reported</a></p>'
    gazette = gazette_outcome(tmp_path, 'domains = ["127.0.0.1"]', article_html=link)
    assert gazette.outcome == "found"
    assert gazette.searched.routes == ("links in the article",)


def test_each_outlet_of_the_citation_chain_has_its_outcome(world, tmp_path):
    gathered = gather(
        claim(
            "It includes the accession of NATO to the global coalition against IS [Daesh].”",
            "Al Jazeera",
            speaker="One diplomatic source",
        ),
        registry=world,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    )
    outcomes = outcomes_of(gathered)
    assert (outcomes["Al Jazeera"].depth, outcomes["AFP"].depth) == (0, 1)
    assert outcomes["AFP"].outcome == "found"


def test_an_unreachable_page_is_recorded_as_a_failed_fetch(world, outlets, tmp_path):
    outlets.page("/reuters/nato-coalition", "gone", status=404)
    found = gather(
        claim(
            "“NATO as an institution will join the coalition,” one diplomat told Reuters.",
            "Reuters",
        ),
        registry=world,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    ).evidence
    failed = next(e for e in found if e.url.endswith("/reuters/nato-coalition"))
    assert failed.hints == ("fetch failed",) and "404" in failed.error


def test_which_outlets_are_searched(world):
    assert [o.name for o in outlets_to_search(claim("x", "Reuters"), world, ["AFP"])] == ["Reuters"]
    credited = claim("x", credited_outlets=("Al Jazeera",), kind="statement")
    assert [o.name for o in outlets_to_search(credited, world, [])] == ["Al Jazeera"]
    on_own_site = claim(
        "x", credited_outlets=("Al Jazeera",), article_url="https://www.aljazeera.com/news/x"
    )
    assert outlets_to_search(on_own_site, world, []) == []
    quote = claim("“We will win,” she said.", speaker="Jane Doe")
    assert [o.name for o in outlets_to_search(quote, world, ["Reuters", "AFP"])] == [
        "Reuters",
        "AFP",
    ]
    assert outlets_to_search(claim("Prices rose.", kind="statement"), world, ["Reuters"]) == []
    two = claim("x", "Reuters", "AFP", only_outlets=("AFP",))
    assert [o.name for o in outlets_to_search(two, world, [])] == ["AFP"]


def test_feed_links_off_the_outlets_site_are_not_taken_as_its_evidence(world, outlets, tmp_path):
    outlets.page(
        "/reuters/feed.xml",
        '<?xml version="1.0"?><rss version="2.0"><channel><item><title>NATO coalition</title>'
        "<link>http://198.51.100.7/fake-reuters-story</link></item></channel></rss>",
        content_type="application/rss+xml",
    )
    found = gather(
        claim(
            "“NATO as an institution will join the coalition,” a diplomat told Reuters.", "Reuters"
        ),
        registry=world,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    ).evidence
    assert all("198.51.100.7" not in e.url for e in found)


def test_claims_gathered_together_fetch_a_feed_and_a_page_they_share_once(world, outlets, tmp_path):
    found, differs = (gathered.evidence for gathered in gather_batch(
        [
            claim(
                "“NATO as an institution will join the coalition,” a diplomat told Reuters.",
                "Reuters",
            ),
            claim(
                "“The question is whether this is just a symbolic gesture to the United States.",
                "Reuters",
                speaker="one senior diplomat",
            ),
        ],
        registry=world,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    ))

    assert outlets.requests.count("/reuters/feed.xml") == 1
    assert outlets.requests.count("/reuters/nato-coalition") == 1
    story = [
        next(e for e in evidence if e.url.endswith("/reuters/nato-coalition"))
        for evidence in (found, differs)
    ]
    # One fetch and one archived copy, weighed against each claim on its own.
    assert [e.hints[0] for e in story] == ["quote found", "quote differs"]
    assert ("insert", "is") in story[1].alignment.quote_diff
    assert story[0].archived == story[1].archived


def test_a_page_that_changed_since_it_was_read_is_aligned_on_its_new_text(world, outlets, tmp_path):
    outlets.sequence(
        "/reuters/nato-coalition",
        outlets.answer("<html><body><p>Rain all week in Brussels.</p></body></html>"),
        outlets.answer(crossref_world.REUTERS_STORY),
    )
    quote = claim(
        "“NATO as an institution will join the coalition,” a diplomat told Reuters.", "Reuters"
    )

    def story_hint() -> str:
        found = gather(
            quote, registry=world, policy=POLICY, archive=WarcArchive(tmp_path / "archive")
        ).evidence
        return next(e for e in found if e.url.endswith("/reuters/nato-coalition")).hints[0]

    assert story_hint() == "no matching report"
    assert story_hint() == "quote found"
    kept = len(READ_PAGES)
    assert story_hint() == "quote found"
    assert len(READ_PAGES) == kept  # the same body again: read from the cache


def sitemap_world(outlets: OutletSimulator, tmp_path) -> object:
    """Reuters found only through a sitemap index whose children are gzipped files: one
    for the week of the story, one a year older."""
    crossref_world.build(outlets, tmp_path)  # the stories
    base = outlets.base_url
    outlets.page(
        "/reuters/sitemap-index.xml",
        f"""<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/reuters/sitemap-2017-05.xml.gz</loc><lastmod>2017-05-26</lastmod></sitemap>
<sitemap><loc>{base}/reuters/sitemap-2016-05.xml.gz</loc><lastmod>2016-05-31</lastmod></sitemap>
</sitemapindex>""",
        content_type="application/xml",
    )
    child = f"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}/reuters/nato-coalition</loc><lastmod>2017-05-25T09:00:00Z</lastmod></url>
</urlset>"""
    outlets.page(
        "/reuters/sitemap-2017-05.xml.gz", gzip.compress(child.encode()), "application/x-gzip"
    )
    older = gzip.compress(b"<urlset/>")
    outlets.page("/reuters/sitemap-2016-05.xml.gz", older, "application/x-gzip")
    registry_file = tmp_path / "sitemap-outlets.toml"
    registry_file.write_text(
        f"""
[[outlets]]
name = "Reuters"
domains = ["reuters.com", "127.0.0.1"]
sitemaps = ["{base}/reuters/sitemap-index.xml"]
""",
        encoding="utf-8",
    )
    return load_registry(registry_file)


def test_a_sitemap_index_leads_to_its_gzipped_child_sitemap_within_the_window(outlets, tmp_path):
    registry = sitemap_world(outlets, tmp_path)

    found = gather(
        claim(
            "“NATO as an institution will join the coalition,” a diplomat told Reuters.",
            "Reuters",
            published=datetime(2017, 5, 25, 12, 0, tzinfo=UTC),
        ),
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    ).evidence

    assert any(e.url.endswith("/reuters/nato-coalition") and e.source == "sitemap" for e in found)
    assert "/reuters/sitemap-2017-05.xml.gz" in outlets.requests
    assert "/reuters/sitemap-2016-05.xml.gz" not in outlets.requests  # outside the window


def test_a_gzipped_sitemap_that_unpacks_too_far_is_refused():
    bomb = gzip.compress(b"<urlset>" + b" " * (MAX_SITEMAP_BYTES + 10) + b"</urlset>")

    with pytest.raises(FeedError, match="unpacks to more than 50 MB"):
        parse_sitemap(bomb, sitemap_url="bomb.xml.gz")


def test_an_index_offers_the_sitemaps_nearest_the_claims_date_first():
    index = """<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://outlet.example/undated-old.xml</loc></sitemap>
<sitemap><loc>https://outlet.example/posts-3.xml</loc><lastmod>2017-04-30</lastmod></sitemap>
<sitemap><loc>https://outlet.example/posts-5.xml</loc><lastmod>2017-06-30</lastmod></sitemap>
<sitemap><loc>https://outlet.example/posts-4.xml</loc><lastmod>2017-05-31</lastmod></sitemap>
<sitemap><loc>https://outlet.example/undated-new.xml</loc></sitemap>
</sitemapindex>"""

    children = parse_sitemap(index, around=datetime(2017, 5, 25, tzinfo=UTC)).sitemaps

    assert children == [
        "https://outlet.example/posts-4.xml",
        "https://outlet.example/posts-5.xml",
        "https://outlet.example/undated-new.xml",
        "https://outlet.example/undated-old.xml",
    ]  # posts-3 was last changed before the window opened


def test_an_index_of_full_sitemaps_named_for_their_periods_offers_those_of_the_claims_date():
    index = """<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://outlet.example/sitemap-2017-04.xml</loc><lastmod>2026-01-02</lastmod></sitemap>
<sitemap><loc>https://outlet.example/sitemap-2017-05.xml</loc><lastmod>2026-01-02</lastmod></sitemap>
<sitemap><loc>https://outlet.example/sitemap-2017-05-26.xml</loc></sitemap>
<sitemap><loc>https://outlet.example/sitemap-2017-06.xml</loc><lastmod>2026-01-02</lastmod></sitemap>
<sitemap><loc>https://outlet.example/sitemap-2016.xml</loc></sitemap>
<sitemap><loc>https://outlet.example/2019.01/sitemap.xml?page=201705</loc></sitemap>
</sitemapindex>"""

    children = parse_sitemap(index, around=datetime(2017, 5, 25, tzinfo=UTC)).sitemaps

    # The day's sitemap before the month's; other months and years are never read
    # however lately they changed; a folder or query that looks like a date is no period.
    assert children == [
        "https://outlet.example/sitemap-2017-05-26.xml",
        "https://outlet.example/sitemap-2017-05.xml",
        "https://outlet.example/2019.01/sitemap.xml?page=201705",
    ]


@pytest.mark.parametrize(
    ("location", "period"),
    [
        ("https://o.example/sitemap-2017-05.xml", ("2017-05-01", "2017-05-31")),
        ("https://o.example/sitemaps/sitemap_2017_05_25.xml.gz", ("2017-05-25", "2017-05-25")),
        ("https://o.example/news-201705.xml", ("2017-05-01", "2017-05-31")),
        ("https://o.example/archive-20170525.xml", ("2017-05-25", "2017-05-25")),
        ("https://o.example/sitemap-2016.xml", ("2016-01-01", "2016-12-31")),
        ("https://o.example/sitemap-2017-02.xml", ("2017-02-01", "2017-02-28")),
        ("https://o.example/post-sitemap12.xml", None),
        ("https://o.example/v2019.01/sitemap.xml", None),
        ("https://o.example/sitemap.xml?page=201012", None),
        ("https://o.example/sitemap-2017-02-30.xml", None),
    ],
)
def test_a_full_sitemaps_period_is_read_from_its_file_name_only(location, period):
    found = sitemap_period(location)
    dates = (found[0].date().isoformat(), found[1].date().isoformat()) if found else None
    assert dates == period


def test_a_full_sitemaps_pages_changed_since_the_window_are_kept_but_not_those_changed_before():
    month = """<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://outlet.example/edited-since</loc><lastmod>2020-03-01</lastmod></url>
<url><loc>https://outlet.example/in-the-window</loc><lastmod>2017-05-24</lastmod></url>
<url><loc>https://outlet.example/before</loc><lastmod>2017-05-02</lastmod></url>
</urlset>"""

    pages = parse_sitemap(month, around=datetime(2017, 5, 25, tzinfo=UTC)).candidates

    assert [page.url for page in pages] == [
        "https://outlet.example/edited-since",
        "https://outlet.example/in-the-window",
    ]


def test_a_gzipped_sitemap_of_several_members_is_read_whole():
    head = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    tail = b"<url><loc>https://outlet.example/story</loc></url></urlset>"

    sitemap = parse_sitemap(gzip.compress(head) + gzip.compress(tail))

    assert [c.url for c in sitemap.candidates] == ["https://outlet.example/story"]


def test_gathering_again_at_one_outlet_never_searches_another_first_hand_one_down_a_chain(
    world, tmp_path
):
    """Al Jazeera's page credits AFP; the claim cites AFP itself, so AFP keeps its own
    first-hand outcome when only Al Jazeera is gathered again."""
    gathered = gather(
        claim(
            "It includes the accession of NATO to the global coalition against IS [Daesh].”",
            "Al Jazeera",
            "AFP",
            speaker="One diplomatic source",
            only_outlets=("Al Jazeera",),
        ),
        registry=world,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
    )
    assert [(o.outlet, o.depth) for o in gathered.outcomes] == [("Al Jazeera", 0)]
    assert {e.outlet for e in gathered.evidence} == {"Al Jazeera"}
