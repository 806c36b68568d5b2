"""extract() on whole articles: the demo article and the development fixtures, page
chrome, offsets, normalisation and HTML input. Patterns one by one are specified in
test_extract_patterns.py; speed is measured by bench/extract.py, not tested."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from factcheck.extract import Document, extract, normalise_text, to_document
from factcheck.outlets.registry import Registry, parse_registry

FIXTURES = Path(__file__).parent / "fixtures"
DEMO = "memo-nato-daesh-2017"
ARTICLES = sorted(path.stem for path in (FIXTURES / "gold").glob("*.json"))

OUTLETS = """
[[outlets]]
name = "Reuters"
aliases = ["Reuters news agency"]
[[outlets]]
name = "Al Jazeera"
[[outlets]]
name = "BBC"
[[outlets]]
name = "CNN"
[[outlets]]
name = "The Guardian"
aliases = ["Guardian"]
[[outlets]]
name = "The Washington Post"
aliases = ["Washington Post"]
"""


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry({outlet.name: outlet for outlet in parse_registry(OUTLETS)})


def article(name: str) -> str:
    return (FIXTURES / "articles" / f"{name}.txt").read_text(encoding="utf-8")


def gold(name: str) -> dict:
    return json.loads((FIXTURES / "gold" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(registry):
    return extract(article(DEMO), registry=registry)


def claim_starting(extraction, words: str):
    return next(claim for claim in extraction.claims if claim.text.startswith(words))


# The demo article


def test_demo_headline_becomes_the_title(demo):
    assert demo.title == "NATO to join the fight against Daesh"


def test_demo_date_line_becomes_published(demo):
    assert demo.published == datetime(2017, 5, 25, 13, 45)


def test_demo_chrome_and_metadata_lines_are_not_claims(demo):
    lines = gold(DEMO)["boilerplate_lines"] + gold(DEMO)["metadata_lines"]
    for claim in demo.claims:
        assert not any(line in claim.text for line in lines), claim.text


def test_demo_keeps_every_sentence_of_the_body(demo):
    assert [c.text for c in demo.claims] == [c["text"] for c in gold(DEMO)["claims"]]


def test_demo_al_jazeera_quote_gives_two_claims_with_source_and_outlet(demo):
    first = claim_starting(demo, "One diplomatic source reported by Al Jazeera said:")
    second = claim_starting(demo, "It includes the accession of NATO")
    assert first.text.endswith("for the summit.")
    assert second.text.endswith("[Daesh].”")
    for claim in (first, second):
        assert claim.speaker == "One diplomatic source"
        assert claim.cited_outlets == ("Al Jazeera",)
        assert claim.kind == "quote"


def test_demo_reuters_quote_gives_three_claims_each_citing_reuters(demo):
    claims = [
        claim_starting(demo, "“NATO as an institution"),
        claim_starting(demo, "“The question is whether"),
        claim_starting(demo, "France and Germany believe it is.”"),
    ]
    for claim in claims:
        assert claim.speaker == "one senior diplomat involved in the discussions"
        assert claim.cited_outlets == ("Reuters",)


def test_demo_finds_tillerson_and_stoltenberg_as_speakers(demo):
    speakers = {claim.speaker for claim in demo.claims}
    assert {"Rex Tillerson", "Jens Stoltenberg"} <= speakers
    assert claim_starting(demo, "I think they’re going").speaker == "Rex Tillerson"
    assert claim_starting(demo, "He added that").speaker == "Jens Stoltenberg"


def test_demo_credits_no_outlet_for_the_whole_text(demo):
    assert demo.credited_outlets == ()


def test_demo_as_dict_has_exactly_the_documented_keys(demo):
    data = demo.as_dict()
    assert set(data) == {"title", "published", "credited_outlets", "claims"}
    assert data["published"] == "2017-05-25T13:45:00"
    assert set(data["claims"][0]) == {
        "text",
        "start",
        "end",
        "speaker",
        "cited_outlets",
        "kind",
        "checkworthiness",
    }
    json.dumps(data)


# Every development article


@pytest.mark.parametrize("name", ARTICLES)
def test_claim_offsets_point_into_the_extraction_text(registry, name):
    extraction = extract(article(name), registry=registry)
    for claim in extraction.claims:
        assert extraction.text[claim.start : claim.end] == claim.text


@pytest.mark.parametrize("name", ARTICLES)
def test_boilerplate_lines_never_become_claims(registry, name):
    extraction = extract(article(name), registry=registry)
    for line in gold(name)["boilerplate_lines"]:
        # A one- or two-word line ("Media") may well occur inside a sentence.
        for claim in extraction.claims:
            assert claim.text != line and (len(line.split()) < 3 or line not in claim.text), line


@pytest.mark.parametrize("name", ARTICLES)
def test_title_and_published_match_the_gold(registry, name):
    extraction = extract(article(name), registry=registry)
    assert extraction.title == gold(name)["title"]
    assert extraction.published == datetime.fromisoformat(gold(name)["published"])


@pytest.mark.parametrize("name", ARTICLES)
def test_claims_are_scored_between_zero_and_one_with_a_known_kind(registry, name):
    for claim in extract(article(name), registry=registry).claims:
        assert 0.0 <= claim.checkworthiness <= 1.0
        assert claim.kind in {"quote", "paraphrase", "statement", "statistic"}


def test_wire_story_credits_reuters_and_drops_the_dateline(registry):
    extraction = extract(article("wire-senate-broadband-2024"), registry=registry)
    assert extraction.credited_outlets == ("Reuters",)
    assert extraction.claims[0].text.startswith("The U.S. Senate on Tuesday")


def test_interview_answers_are_the_interviewees_words(registry):
    extraction = extract(article("interview-kenya-grain-2024"), registry=registry)
    answer = claim_starting(extraction, "We are also releasing 200,000 tonnes")
    assert answer.speaker == "Amina Odhiambo"
    assert answer.kind == "quote"
    assert not any(claim.text.endswith("?") for claim in extraction.claims)


def test_statistic_without_quote_is_a_statistic(registry):
    extraction = extract(article("wire-senate-broadband-2024"), registry=registry)
    assert claim_starting(extraction, "Shares of major cable operators").kind == "statistic"


def test_opinion_scores_lower_than_a_sourced_figure(registry):
    extraction = extract(article("interview-kenya-grain-2024"), registry=registry)
    opinion = claim_starting(extraction, "I think some people")
    figure = claim_starting(extraction, "Prices have risen by about 60 percent")
    assert opinion.checkworthiness < figure.checkworthiness


# Text, documents and HTML


def test_normalise_text_unifies_newlines_and_trailing_spaces():
    assert (
        normalise_text("  \r\nCafe\u0301 opens  \r\rSecond line\t\n\n")
        == "Café opens\n\nSecond line"
    )


@pytest.mark.parametrize("name", ARTICLES)
def test_normalise_text_is_idempotent(name):
    once = normalise_text(article(name) + " \r\n\r\n")
    assert normalise_text(once) == once


def test_plain_text_document_finds_title_and_date():
    document = to_document(article(DEMO))
    assert document == Document(
        text=normalise_text(article(DEMO)),
        title="NATO to join the fight against Daesh",
        published=datetime(2017, 5, 25, 13, 45),
    )


PAGE = """<!doctype html>
<html><head><title>Port strike ends - Example News</title>
<meta property="article:published_time" content="2024-04-09T08:30:00">
<script>window.tracker = "do not keep this";</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Port strike ends after nine days</h1>
<p>Dock workers in the port of Valmont returned to work on Tuesday after a nine-day strike,
the union said in a statement.</p>
<script>console.log("do not keep this either");</script>
<p>“We won a pay rise of 6 percent for every worker,” union leader Marta Ruiz told the BBC.
The port authority said the backlog of 300 ships would be cleared by Friday.</p>
</article><footer>Copyright 2024 Example News</footer></body></html>"""


def test_html_script_never_reaches_the_text(registry):
    extraction = extract(PAGE, registry=registry)
    assert "do not keep" not in extraction.text
    assert "console.log" not in extraction.text


def test_html_gives_article_text_title_and_date(registry):
    extraction = extract(PAGE, registry=registry)
    assert extraction.title == "Port strike ends after nine days"
    assert extraction.published == datetime(2024, 4, 9, 8, 30)
    quote = claim_starting(extraction, "“We won a pay rise")
    assert quote.speaker == "Marta Ruiz"
    assert quote.cited_outlets == ("BBC",)
    for claim in extraction.claims:
        assert extraction.text[claim.start : claim.end] == claim.text


def test_html_document_separates_paragraphs_with_blank_lines():
    document = to_document(PAGE)
    assert "\n\n" in document.text
    assert document.text == normalise_text(document.text)


# The outlet gazetteer


@pytest.mark.parametrize("name", ARTICLES)
def test_gazetteer_finds_what_the_registry_finds(name):
    from factcheck.extract.claims import shipped_registry
    from factcheck.extract.gazetteer import find_outlets

    registry = shipped_registry()
    text = article(name)
    assert find_outlets(registry, text) == registry.find_all(text)
    assert find_outlets(registry, text.upper()) == registry.find_all(text.upper())
