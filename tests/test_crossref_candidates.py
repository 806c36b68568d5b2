"""Which pages of an outlet are read for a claim: only stories (never a search page's
navigation, a section or a home page), best-ranked first, and further down the ranking
while none bears on the claim, up to a cap."""

from __future__ import annotations

import pytest

from factcheck.crossref import FetchPolicy, WarcArchive
from factcheck.crossref.align import NOT_AN_ARTICLE, QUOTE_FOUND
from factcheck.crossref.discover import is_story_url, links_to, not_an_article, search_results
from factcheck.crossref.gather import FIRST_PAGES, ClaimInArticle, gather
from factcheck.crossref.outcomes import NOTHING_FOUND, REJECTED, meaning_of
from factcheck.outlets.registry import Outlet, load_registry
from tests.harness import OutletSimulator

POLICY = FetchPolicy(allow_hosts=("127.0.0.1",), per_host_limit=4, min_delay=0.0, timeout=5)
GAZETTE = Outlet(name="Gazette", domains=("127.0.0.1",))
QUOTE = "We will open four new clinics in Harbourside before the spring."
CLAIM = f"“{QUOTE}” Mayor Rosa Lind told the Gazette."


def story(title: str, *paragraphs: str, nav: bool = True) -> str:
    menu = '<nav><a href="/">Home</a> <a href="/section/city">City</a></nav>' if nav else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    head = f"<head><title>{title}</title></head>"
    return f"<html>{head}<body>{menu}<article><h1>{title}</h1>{body}</article></body></html>"


SOURCE = story(
    "Mayor sets out plan for clinics",
    "The mayor spoke at the town hall in Harbourside on Tuesday.",
    f"“{QUOTE}” Mayor Rosa Lind said.",
)


def other_story(number: int) -> str:
    return story(
        f"Harbourside clinics: council story {number}",
        f"Council members in Harbourside argued about parking fees, item {number}.",
    )


def headline_list(count: int = 20) -> str:
    """A home page: a list of headlines, one of them the quote itself."""
    items = "".join(
        f'<li><a href="/news/{n}">Harbourside clinics story {n}</a></li>' for n in range(count)
    )
    return f"<html><body><ul>{items}</ul><ul><li>{QUOTE}</li></ul></body></html>"


def gazette(outlets: OutletSimulator, tmp_path, fields: str):
    registry_file = tmp_path / "outlets.toml"
    registry_file.write_text(
        f'[[outlets]]\nname = "Gazette"\ndomains = ["127.0.0.1"]\n{fields}\n', encoding="utf-8"
    )
    outlets.page("/robots.txt", "", status=404)
    return load_registry(registry_file)


def feed(outlets: OutletSimulator, items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{outlets.url(path)}</link></item>"
        for path, title in items
    )
    outlets.page(
        "/feed.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel>{entries}</channel></rss>',
        content_type="application/rss+xml",
    )
    return f'feeds = ["{outlets.url("/feed.xml")}"]'


def gathered(registry, tmp_path, *, article_html: str | None = None, **options):
    return gather(
        ClaimInArticle(
            text=CLAIM,
            speaker="Rosa Lind",
            kind="quote",
            cited_outlets=("Gazette",),
            article_text="An article.",
            article_html=article_html,
        ),
        registry=registry,
        policy=POLICY,
        archive=WarcArchive(tmp_path / "archive"),
        **options,
    )


def pages_asked(outlets: OutletSimulator) -> list[str]:
    return [path for path in outlets.requests if path.startswith(("/news/", "/story/"))]


def decoys_then_source(outlets: OutletSimulator, decoys: int) -> list[tuple[str, str]]:
    """Feed items whose titles share more of the claim's words than the source's does."""
    items = []
    for number in range(decoys):
        outlets.page(f"/news/decoy-{number}", other_story(number))
        items.append((f"/news/decoy-{number}", f"Harbourside clinics mayor Lind story {number}"))
    outlets.page("/news/source", SOURCE)
    return [*items, ("/news/source", "Town hall meeting")]


def test_reading_stops_at_the_first_pages_once_one_bears_on_the_claim(outlets, tmp_path):
    outlets.page("/news/source", SOURCE)
    items = [("/news/source", "Mayor Lind: four new clinics in Harbourside")]
    for number in range(6):
        outlets.page(f"/news/other-{number}", other_story(number))
        items.append((f"/news/other-{number}", f"Council story {number}"))
    registry = gazette(outlets, tmp_path, feed(outlets, items))

    found = gathered(registry, tmp_path)

    assert len(pages_asked(outlets)) == FIRST_PAGES
    assert found.evidence[0].url.endswith("/news/source")
    assert found.evidence[0].hints[0] == QUOTE_FOUND


def test_when_the_first_pages_do_not_bear_the_next_are_read_up_to_the_cap(outlets, tmp_path):
    items = decoys_then_source(outlets, 4)
    outlets.page("/news/last", other_story(9))
    registry = gazette(outlets, tmp_path, feed(outlets, [*items, ("/news/last", "Parking")]))

    found = gathered(registry, tmp_path, pages_per_outlet=5)

    assert len(pages_asked(outlets)) == 5
    assert "/news/last" not in pages_asked(outlets)
    source = [e for e in found.evidence if e.url.endswith("/news/source")]
    assert source and source[0].hints[0] == QUOTE_FOUND
    assert found.outcomes[0].outcome == "found"


def test_no_more_pages_than_the_cap_are_read(outlets, tmp_path):
    registry = gazette(outlets, tmp_path, feed(outlets, decoys_then_source(outlets, 4)))

    found = gathered(registry, tmp_path, pages_per_outlet=4)

    assert len(pages_asked(outlets)) == 4
    assert "/news/source" not in pages_asked(outlets)
    assert found.outcomes[0].outcome == NOTHING_FOUND
    assert found.outcomes[0].searched.pages_read == 4


def test_a_search_page_gives_its_results_not_its_navigation_sections_or_tags(outlets, tmp_path):
    outlets.page(
        "/search",
        '<html><body><header><a href="/">Gazette</a></header>'
        '<nav><a href="/section/city">City</a> <a href="/news/menu-story">Top story</a></nav>'
        '<a href="/tag/clinics">More on clinics</a> <a href="/author/jo-bloggs">Jo Bloggs</a>'
        '<ol><li><a href="/news/source">Mayor sets out plan for clinics</a></li></ol>'
        "<footer><a href='/about'>About us</a></footer></body></html>",
    )
    outlets.page("/news/source", SOURCE)
    registry = gazette(outlets, tmp_path, f'search_url = "{outlets.url("/search")}?q={{query}}"')

    found = gathered(registry, tmp_path)

    assert [e.url for e in found.evidence] == [outlets.url("/news/source")]
    assert not {"/", "/section/city", "/tag/clinics", "/about"} & set(outlets.requests)


def test_a_page_that_lists_stories_is_read_but_rejected_as_not_an_article(outlets, tmp_path):
    outlets.page("/news/front", headline_list())
    registry = gazette(outlets, tmp_path, "")
    article = f'<p>As the <a href="{outlets.url("/news/front")}">Gazette</a> reported.</p>'

    found = gathered(registry, tmp_path, article_html=article)

    [page] = found.evidence
    assert page.hints == (NOT_AN_ARTICLE,)
    assert meaning_of(page.hints) == REJECTED
    assert page.archived is not None  # read, kept, and counted as a page read
    assert found.outcomes[0].outcome == NOTHING_FOUND


def test_links_in_a_pages_navigation_header_and_footer_are_not_candidates():
    page = (
        '<header><a href="https://gazette.test/news/a">A</a></header>'
        '<div role="navigation"><a href="https://gazette.test/news/b">B</a></div>'
        '<main><a href="https://gazette.test/news/c">C</a></main>'
        '<footer><a href="https://gazette.test/news/d">D</a></footer>'
    )
    outlet = Outlet(name="Gazette", domains=("gazette.test",))
    assert [c.url for c in links_to(page, outlet)] == ["https://gazette.test/news/c"]


@pytest.mark.parametrize(
    ("url", "story"),
    [
        ("https://gazette.test/", False),
        ("https://gazette.test", False),
        ("https://gazette.test/section/politics", False),
        ("https://gazette.test/tag/clinics", False),
        ("https://gazette.test/topics/health/", False),
        ("https://gazette.test/author/jo-bloggs", False),
        ("https://gazette.test/search?q=clinics", False),
        ("https://gazette.test/news/2026/12/03/clinics", True),
        ("https://gazette.test/politics/mayor-sets-out-clinics-plan-123", True),
        ("https://gazette.test/?p=1234", True),
        ("https://gazette.test/?s=clinics", False),
        ("https://gazette.test/?page=2", False),
        ("https://gazette.test/page/2/", False),
        ("https://gazette.test/page/about-the-mayor", True),
    ],
)
def test_home_section_tag_author_and_search_pages_are_not_story_urls(url, story):
    assert is_story_url(url) is story


def test_search_results_leave_out_links_to_listings():
    page = '<a href="/tag/x">x</a><a href="/news/1">Story</a><a href="/">Home</a>'
    results = search_results(page, GAZETTE, search_url="http://127.0.0.1/search?q=x")
    assert [c.url for c in results] == ["http://127.0.0.1/news/1"]


STORY_TEXT = "\n".join(
    ["The mayor spoke at the town hall in Harbourside on Tuesday about the new clinics."] * 3
)


def story_with_links(links: int) -> str:
    """A story whose body ends with a list of related stories."""
    related = "".join(
        f'<li><a href="/news/{n}">Related story number {n}</a></li>' for n in range(links)
    )
    return SOURCE.replace("</article>", f"</article><ul>{related}</ul>")


def test_a_headline_list_is_not_an_article_and_a_story_with_related_links_is():
    assert not_an_article(headline_list(), "\n".join(["Harbourside clinics story"] * 20))
    assert not_an_article(story_with_links(10), STORY_TEXT) is None  # 40 link words
    assert not_an_article(story_with_links(30), "") is not None  # the same links, no prose


@pytest.mark.parametrize(
    "declared",
    [
        '<meta property="og:type" content="article">',
        '<script type="application/ld+json">{"@type": "NewsArticle"}</script>',
        '<script type="application/ld+json">{"@type": ["WebPage", "ReportageNewsArticle"]}'
        "</script>",
    ],
)
def test_a_page_that_declares_itself_an_article_is_one_whatever_its_links(declared):
    html = headline_list().replace("<html>", f"<html><head>{declared}</head>")
    assert not_an_article(html, "") is None


def test_a_website_og_type_alone_does_not_make_a_story_a_listing():
    html = story_with_links(10).replace(
        "<head>", '<head><meta property="og:type" content="website">'
    )
    assert not_an_article(html, STORY_TEXT) is None


def test_a_listing_whose_json_ld_lists_articles_is_still_a_listing():
    items = '{"@type": "ItemList", "itemListElement": [{"@type": "NewsArticle"}]}'
    html = headline_list().replace(
        "<html>", f'<html><head><script type="application/ld+json">{items}</script></head>'
    )
    assert not_an_article(html, "") is not None


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        ('{"@graph": null}', False),
        ('{"@graph": 5}', False),
        ('{"@type": null}', False),
        ('{"@type": 5}', False),
        ('{"@graph": [{"@type": null}]}', False),
        ('[{"@type": "NewsArticle"}]', True),
        ('{"@graph": {"@type": "NewsArticle"}}', True),
        ('{"@graph": [{"@type": "WebPage"}, {"@type": ["NewsArticle"]}]}', True),
    ],
)
def test_json_ld_of_any_shape_is_read_without_failing(data, declared):
    script = f'<script type="application/ld+json">{data}</script>'
    html = headline_list().replace("<html>", f"<html><head>{script}</head>")
    assert (not_an_article(html, "") is None) is declared


def test_a_page_lxml_cannot_read_is_not_called_a_listing():
    html = "<html><body><nav>Menu</nav>\x0b<p>Story</p></body></html>"
    assert not_an_article(html, "Story") is None


def test_a_page_with_control_characters_is_read_and_fails_nothing(outlets, tmp_path):
    outlets.page("/news/source", SOURCE.replace("</nav>", "</nav>\x0b\x0c"))
    registry = gazette(outlets, tmp_path, "")
    article = f'<p>As the <a href="{outlets.url("/news/source")}">Gazette</a> reported.</p>'

    [page] = gathered(registry, tmp_path, article_html=article).evidence

    assert page.error is None and page.hints[0] == QUOTE_FOUND


def test_a_failing_outlet_is_not_asked_for_further_pages(outlets, tmp_path):
    items = decoys_then_source(outlets, 4)
    for path, _title in items[:3]:
        outlets.page(path, "", status=500)
    registry = gazette(outlets, tmp_path, feed(outlets, items))

    found = gathered(registry, tmp_path)

    assert found.outcomes[0].outcome == "could_not_check"
    assert "/news/source" not in pages_asked(outlets)


def test_a_story_gone_from_the_outlet_does_not_stop_the_search(outlets, tmp_path):
    items = decoys_then_source(outlets, 4)
    outlets.page(items[0][0], "", status=404)
    registry = gazette(outlets, tmp_path, feed(outlets, items))

    found = gathered(registry, tmp_path)

    assert "/news/source" in pages_asked(outlets)
    assert found.outcomes[0].outcome == "found"


def test_a_story_without_the_quote_does_not_stop_the_search_for_the_one_with_it(outlets, tmp_path):
    follow_up = story(
        "Mayor Rosa Lind under pressure",
        "Mayor Rosa Lind faced questions about the clinics in Harbourside on Friday.",
    )
    items = []
    for number in range(3):
        outlets.page(f"/news/follow-up-{number}", follow_up)
        items.append((f"/news/follow-up-{number}", f"Mayor Lind clinics Harbourside {number}"))
    outlets.page("/news/source", SOURCE)
    registry = gazette(outlets, tmp_path, feed(outlets, [*items, ("/news/source", "Town hall")]))

    found = gathered(registry, tmp_path)

    hints = {e.url.rsplit("/", 1)[-1]: e.hints[0] for e in found.evidence}
    assert hints["follow-up-0"] == "quote not in source"
    assert hints["source"] == QUOTE_FOUND


def test_a_search_results_own_header_and_a_page_wide_form_keep_their_links():
    wordpress = (
        '<header class="site-header"><a href="/news/site-menu">Menu story</a></header>'
        '<article><header class="entry-header"><h2><a href="/news/result">Result</a></h2>'
        "</header></article>"
    )
    aspnet = '<form id="aspnetForm"><ol><li><a href="/news/result">Result</a></li></ol></form>'
    unclosed = (
        '<ul><li><a href="/news/result">Result</a><li>No link</ul>'
        '<footer><a href="/news/about-us">About us</a></footer>'
    )
    for page in (wordpress, aspnet, unclosed):
        results = search_results(page, GAZETTE, search_url="http://127.0.0.1/search?q=x")
        assert [c.url for c in results] == ["http://127.0.0.1/news/result"]
