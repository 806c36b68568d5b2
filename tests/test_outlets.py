"""The shipped outlet registry (factcheck/outlets/outlets.toml) and how its names are found
in text."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from factcheck.outlets.registry import (
    Outlet,
    Registry,
    RegistryError,
    load_registry,
    parse_registry,
)

SHIPPED = load_registry()
ALL_NAMES = [(outlet.name, alias) for outlet in SHIPPED for alias in outlet.names]


def folded(alias: str) -> str:
    return " ".join(alias.replace("’", "'").split()).casefold()


def named_in(registry: Registry, text: str) -> list[tuple[str, str]]:
    """(outlet name, words of the text that named it) for every mention in `text`."""
    return [(m.outlet.name, text[m.start : m.end]) for m in registry.find_all(text)]


# The shipped file


def test_the_shipped_registry_loads_with_at_least_80_outlets():
    assert len(SHIPPED) >= 80


def test_the_shipped_file_names_each_outlet_once():
    text = resources.files("factcheck.outlets").joinpath("outlets.toml").read_text("utf-8")
    names = [outlet.name for outlet in parse_registry(text)]
    assert len(names) == len(set(names)) == len(SHIPPED)


@pytest.mark.parametrize(
    "name",
    [
        "Reuters",
        "Associated Press",
        "AFP",
        "dpa",
        "BBC",
        "Al Jazeera",
        "The New York Times",
        "The Guardian",
        "Middle East Monitor",
        "ABC News",
        "Australian Broadcasting Corporation",
    ],
)
def test_the_shipped_registry_has_the_major_outlets_under_their_usual_names(name):
    assert SHIPPED.get(name) is not None


def test_no_alias_belongs_to_two_outlets():
    owners: dict[str, set[str]] = {}
    for outlet_name, alias in ALL_NAMES:
        owners.setdefault(folded(alias), set()).add(outlet_name)
    shared = {alias: sorted(names) for alias, names in owners.items() if len(names) > 1}
    assert shared == {}


def test_no_alias_starts_with_the_except_the_associated_press():
    with_the = [
        alias
        for outlet in SHIPPED
        for alias in outlet.aliases
        if alias.casefold().startswith("the ")
    ]
    assert with_the == ["The Associated Press"]


def test_bare_abc_names_neither_abc_news_nor_the_australian_broadcaster():
    assert SHIPPED.lookup("ABC") is None
    assert SHIPPED.find_all("She told ABC on Sunday.") == []


def test_domains_are_bare_lowercase_hosts_owned_by_one_outlet():
    owners: dict[str, str] = {}
    for outlet in SHIPPED:
        assert outlet.domains, f"{outlet.name} has no domain"
        for domain in outlet.domains:
            assert domain == domain.lower().strip()
            assert not domain.startswith(("www.", "http")), domain
            assert "/" not in domain, domain
            assert domain not in owners, f"{domain}: {owners.get(domain)} and {outlet.name}"
            owners[domain] = outlet.name
    # A domain under another outlet's domain would make by_domain depend on file order.
    nested = [
        (inner, outer)
        for inner in owners
        for outer in owners
        if inner.endswith("." + outer) and owners[inner] != owners[outer]
    ]
    assert nested == []


def test_feeds_sitemaps_and_search_pages_are_web_addresses():
    for outlet in SHIPPED:
        urls = [*outlet.feeds, *outlet.sitemaps]
        if outlet.search_url:
            urls.append(outlet.search_url)
        for url in urls:
            assert url.startswith(("https://", "http://")), f"{outlet.name}: {url}"


# Finding outlets in running text


@pytest.mark.parametrize(("outlet_name", "alias"), ALL_NAMES, ids=[a for _, a in ALL_NAMES])
def test_every_name_and_alias_is_found_in_running_text_as_its_own_outlet(outlet_name, alias):
    text = f"The minister, speaking in Brussels, told the {alias} on Monday."
    assert named_in(SHIPPED, text) == [(outlet_name, alias)]


def test_the_leading_the_is_not_part_of_the_mention():
    text = "He told the BBC and The Guardian."
    assert named_in(SHIPPED, text) == [("BBC", "BBC"), ("The Guardian", "The Guardian")]


def test_the_longest_name_wins():
    assert named_in(SHIPPED, "according to the Reuters news agency") == [
        ("Reuters", "Reuters news agency")
    ]
    assert named_in(SHIPPED, "ABC News Australia reported") == [
        ("Australian Broadcasting Corporation", "ABC News Australia")
    ]


def test_longer_names_match_as_written_or_in_capitals_across_line_breaks():
    assert named_in(SHIPPED, "the NEW YORK\nTIMES said") == [
        ("The New York Times", "NEW YORK\nTIMES")
    ]


@pytest.mark.parametrize(
    "text", ["the Canadian press corps", "daily express delivery", "a toronto star athlete"]
)
def test_names_in_lower_case_running_text_are_not_outlets(text):
    assert named_in(SHIPPED, text) == []


def test_lookup_finds_an_outlet_written_in_any_case():
    assert SHIPPED.lookup("al jazeera").name == "Al Jazeera"


def test_a_curly_apostrophe_matches_a_straight_one():
    assert named_in(SHIPPED, "People’s Daily, the party paper") == [
        ("People's Daily", "People’s Daily")
    ]


def test_possessives_and_punctuation_after_a_name_do_not_hide_it():
    text = "The BBC's report, AFP's photo and (Al Jazeera) all agreed."
    assert [name for name, _ in named_in(SHIPPED, text)] == ["BBC", "AFP", "Al Jazeera"]


@pytest.mark.parametrize(
    "text",
    [
        "He drew a map of the area.",
        "Keep the cap on.",
        "Ap said it was late.",
        "the afp of the bbc",
        "Dpa, the German agency.",
        "An ftp server.",
    ],
)
def test_acronyms_are_case_sensitive(text):
    assert SHIPPED.find_all(text) == []


def test_ordinary_prose_names_no_outlet():
    text = (
        "At dawn the national team met the independent inquiry. At the time, the economist "
        "said the Hindu community on the Atlantic coast was, in the times of war, a guardian "
        "of the sun and the new Arab order. A fox chased the mail on Sunday, and the standard "
        "post went to the globe, the Foreign Press Association and the central news agency "
        "of the nation."
    )
    assert named_in(SHIPPED, text) == []


def test_the_demo_article_names_its_cited_outlets():
    text = (
        Path(__file__)
        .parent.joinpath("fixtures", "articles", "memo-nato-daesh-2017.txt")
        .read_text("utf-8")
    )
    assert [name for name, _ in named_in(SHIPPED, text)] == ["Al Jazeera", "Reuters"]


# Domains


@pytest.mark.parametrize("host", ["reuters.com", "www.reuters.com", "WWW.Reuters.com."])
def test_a_web_host_maps_to_its_outlet(host):
    assert SHIPPED.by_domain(host).name == "Reuters"


def test_subdomains_map_to_their_outlet_and_unknown_hosts_to_nothing():
    assert SHIPPED.by_domain("feeds.bbci.co.uk").name == "BBC"
    assert SHIPPED.by_domain("english.news.cn").name == "Xinhua"
    assert SHIPPED.by_domain("notreuters.com") is None
    assert SHIPPED.by_domain("example.org") is None


# The extra file (FACTCHECK_OUTLETS_FILE)


def test_an_extra_file_adds_outlets_and_replaces_shipped_ones_by_name(tmp_path):
    extra = tmp_path / "outlets.toml"
    extra.write_text(
        """
[[outlets]]
name = "Kentish Gazette"
aliases = ["KentOnline"]
domains = ["kentonline.co.uk"]
search_url = "https://www.kentonline.co.uk/search/?q={query}"

[[outlets]]
name = "Reuters"
aliases = ["Reuters wire"]
domains = ["reuters.example"]
""",
        encoding="utf-8",
    )
    registry = load_registry(extra)

    assert len(registry) == len(SHIPPED) + 1
    gazette = registry.get("Kentish Gazette")
    assert gazette == Outlet(
        name="Kentish Gazette",
        aliases=("KentOnline",),
        domains=("kentonline.co.uk",),
        search_url="https://www.kentonline.co.uk/search/?q={query}",
    )
    assert named_in(registry, "told KentOnline") == [("Kentish Gazette", "KentOnline")]

    reuters = registry.get("Reuters")
    assert reuters.aliases == ("Reuters wire",)
    assert registry.by_domain("www.reuters.example") is reuters
    assert registry.by_domain("reuters.com") is None
    assert registry.lookup("Thomson Reuters") is None
    # The shipped registry is left as it was.
    assert load_registry().get("Reuters").domains == ("reuters.com",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[outlets]\nname = 'x'", "not valid TOML"),
        ("[outlets]\nname = 'Reuters'", "expected [[outlets]] tables"),
        ("[[outlets]]\naliases = ['Nobody']", "an [[outlets]] entry has no name"),
        ("[[outlets]]\nname = '  '", "an [[outlets]] entry has no name"),
        ('[[outlets]]\nname = "The\\u001fGazette"', "a name is one line of plain text"),
        ('[[outlets]]\nname = """The\nGazette"""', "a name is one line of plain text"),
        ("[[outlets]]\nname = 'Gazette'\naliases = 'The Gazette'", "aliases must be a list"),
        ("[[outlets]]\nname = 'Gazette'\ndomains = [1, 2]", "domains must be a list of strings"),
        (
            "[[outlets]]\nname = 'Gazette'\nsearch_url = 'https://gazette.example/?q='",
            "search_url must contain {query}",
        ),
    ],
)
def test_a_broken_extra_file_raises_a_registry_error_that_says_where_and_why(
    tmp_path, content, message
):
    extra = tmp_path / "broken.toml"
    extra.write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError) as raised:
        load_registry(extra)
    assert str(extra) in str(raised.value)
    assert message in str(raised.value)
    if "'Gazette'" in content:
        assert "'Gazette'" in str(raised.value)


def test_an_extra_file_whose_entries_are_not_tables_raises_a_registry_error(tmp_path):
    extra = tmp_path / "broken.toml"
    extra.write_text('outlets = ["Reuters", "AP"]', encoding="utf-8")
    with pytest.raises(RegistryError, match=r"broken\.toml"):
        load_registry(extra)


def test_a_missing_extra_file_raises_a_registry_error(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(RegistryError, match=r"cannot read outlets file .*nowhere\.toml"):
        load_registry(missing)
