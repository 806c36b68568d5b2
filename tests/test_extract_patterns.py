"""Attribution patterns, one test each: who a sentence is attributed to and which outlets
it cites. Every test passes a small registry, so none depends on the shipped outlet data."""

import pytest

from factcheck.extract import extract
from factcheck.outlets.registry import Registry, parse_registry

OUTLETS = """
[[outlets]]
name = "Reuters"
aliases = ["Reuters news agency"]
[[outlets]]
name = "Al Jazeera"
[[outlets]]
name = "Associated Press"
aliases = ["AP"]
[[outlets]]
name = "Agence France-Presse"
aliases = ["AFP"]
[[outlets]]
name = "BBC"
[[outlets]]
name = "CNN"
[[outlets]]
name = "The New York Times"
aliases = ["New York Times"]
[[outlets]]
name = "Interfax"
aliases = ["Interfax news agency"]
[[outlets]]
name = "TASS"
aliases = ["TASS news agency"]
[[outlets]]
name = "Kommersant"
[[outlets]]
name = "NPR"
[[outlets]]
name = "PA Media"
aliases = ["PA news agency"]
[[outlets]]
name = "The Guardian"
"""


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry({outlet.name: outlet for outlet in parse_registry(OUTLETS)})


def only_claim(text: str, registry: Registry):
    (claim,) = extract(text, registry=registry).claims
    return claim


def claim_containing(words: str, extraction):
    return next(claim for claim in extraction.claims if words in claim.text)


# Speakers


def test_name_said_gives_the_name(registry):
    claim = only_claim("Maria Lopez said the plant would close in March.", registry)
    assert claim.speaker == "Maria Lopez"
    assert claim.kind == "paraphrase"


def test_says_at_the_end_gives_the_sources_before_it(registry):
    text = "The talks will resume next week, diplomatic sources say."
    assert only_claim(text, registry).speaker == "diplomatic sources"


def test_anonymous_source_is_kept_as_written(registry):
    text = "“The deal is done,” one senior official close to the talks told reporters."
    assert only_claim(text, registry).speaker == "one senior official close to the talks"


def test_title_before_the_name_is_not_part_of_the_speaker(registry):
    text = "US Secretary of State Rex Tillerson said the alliance would act together."
    assert only_claim(text, registry).speaker == "Rex Tillerson"


def test_lower_case_title_before_the_name_is_not_part_of_the_speaker(registry):
    text = "NATO chief Jens Stoltenberg said the alliance would act together."
    assert only_claim(text, registry).speaker == "Jens Stoltenberg"


def test_surname_alone_resolves_to_the_full_name_seen_earlier(registry):
    text = (
        "Finance Minister Carla Mendes said the budget would be balanced by 2026.\n\n"
        "Mendes had previously stressed that no new taxes were planned this year."
    )
    assert extract(text, registry=registry).claims[1].speaker == "Carla Mendes"


def test_surname_resolves_to_a_name_introduced_outside_any_attribution(registry):
    text = (
        "The delegation met Governor Paul Okafor in the capital on Monday morning.\n\n"
        "Okafor said the state would fund the new bridge."
    )
    assert extract(text, registry=registry).claims[1].speaker == "Paul Okafor"


def test_he_added_resolves_to_last_named_person(registry):
    text = (
        "Finance Minister Carla Mendes said the budget would be balanced by 2026.\n\n"
        "Trade Minister Omar Haddad said exports had grown this year.\n\n"
        "He added that the new port would open in May."
    )
    assert extract(text, registry=registry).claims[2].speaker == "Omar Haddad"


def test_pronoun_without_anyone_named_before_is_not_a_speaker(registry):
    assert only_claim("He said the plant would close in March.", registry).speaker is None


def test_apposition_between_name_and_verb_keeps_the_name(registry):
    text = "Jane Doe, a spokeswoman for the ministry, said the report was accurate."
    assert only_claim(text, registry).speaker == "Jane Doe"


def test_said_after_the_quote_with_the_name_following(registry):
    text = "“We will rebuild every school,” said Mayor Ana Silva."
    assert only_claim(text, registry).speaker == "Ana Silva"


def test_according_to_a_source_gives_the_source(registry):
    text = "Unemployment rose to 7.4 percent in May, according to the national statistics office."
    claim = only_claim(text, registry)
    assert claim.speaker == "the national statistics office"
    assert claim.kind == "statistic"


def test_passive_is_said_to_be_is_not_an_attribution(registry):
    text = "The decision to join the coalition is said to be mainly political."
    assert only_claim(text, registry).speaker is None


def test_claimed_by_is_not_an_attribution(registry):
    text = "The attack, claimed by a local militia, killed four soldiers near the border."
    assert only_claim(text, registry).speaker is None


def test_report_has_found_is_attributed_to_the_report(registry):
    text = "Hospital waiting times doubled in two years, a parliamentary inquiry has found."
    assert only_claim(text, registry).speaker == "a parliamentary inquiry"


# Quotes over several sentences


def test_attribution_in_the_last_sentence_reaches_every_sentence_of_the_quote(registry):
    text = (
        "Trade Minister Omar Haddad spoke in the capital on Monday afternoon.\n\n"
        "“I have met both sides of the dispute. I think they will sign the agreement,” "
        "he told reporters."
    )
    claims = extract(text, registry=registry).claims[1:]
    assert [c.speaker for c in claims] == ["Omar Haddad", "Omar Haddad"]
    assert [c.kind for c in claims] == ["quote", "quote"]


def test_quote_after_an_attributed_quote_continues_it_with_its_outlet(registry):
    text = (
        "“The ceasefire will hold,” a senior army officer told Reuters. "
        "“Both sides are exhausted. Nobody wants another winter of fighting.”"
    )
    claims = extract(text, registry=registry).claims
    assert len(claims) == 3
    assert {c.speaker for c in claims} == {"a senior army officer"}
    assert {c.cited_outlets for c in claims} == {("Reuters",)}


def test_closing_quotation_mark_stays_with_its_sentence(registry):
    text = "Mayor Ana Silva said: “The water is safe. We tested it twice.” The city agreed."
    claims = extract(text, registry=registry).claims
    assert claims[1].text == "We tested it twice.”"


def test_straight_quotes_are_handled_like_curly_ones(registry):
    text = '"The water is safe. We tested it twice," Mayor Ana Silva said on Friday.'
    claims = extract(text, registry=registry).claims
    assert [c.text for c in claims] == [
        '"The water is safe.',
        'We tested it twice," Mayor Ana Silva said on Friday.',
    ]
    assert {c.speaker for c in claims} == {"Ana Silva"}


def test_scare_quotes_do_not_make_a_quote(registry):
    text = "In a show of “unity”, member states are expected to join the coalition."
    claim = only_claim(text, registry)
    assert claim.speaker is None
    assert claim.kind == "statement"


# Sentence boundaries


@pytest.mark.parametrize(
    "sentence",
    [
        "Mr. Haddad arrived in the U.S. capital on Monday for three days of talks.",
        "Dr. Jane Smith and Gen. Mark Lee met at 10 a.m. on Jan. 5 in the old town hall.",
        "The report by J. Smith was filed as No. 12 with the regional court last week.",
    ],
)
def test_abbreviations_do_not_end_sentences(registry, sentence):
    assert only_claim(sentence, registry).text == sentence


def test_abbreviation_followed_by_a_sentence_start_ends_the_sentence(registry):
    text = "The vote was called shortly after 11 a.m. The chamber had been deadlocked for weeks."
    assert len(extract(text, registry=registry).claims) == 2


def test_question_inside_a_quote_with_its_attribution_is_one_sentence(registry):
    text = "“Who will pay for the new bridge?” Governor Paul Okafor asked the assembly on Monday."
    assert extract(text, registry=registry).claims == ()


# Outlets cited by a claim


def test_told_the_outlet_news_agency_cites_the_outlet(registry):
    text = "“We will not retreat,” a rebel commander told the Reuters news agency."
    assert only_claim(text, registry).cited_outlets == ("Reuters",)


def test_told_outlet_cites_the_outlet(registry):
    text = "The minister told CNN that the border would stay closed until June."
    claim = only_claim(text, registry)
    assert claim.cited_outlets == ("CNN",)
    assert claim.speaker == "The minister"


def test_told_the_newspaper_refers_back_to_the_outlet_named_before(registry):
    text = (
        "Mayor Ana Silva told the New York Times that the budget had been cut twice.\n\n"
        "She told the newspaper that each request had been turned down."
    )
    claims = extract(text, registry=registry).claims
    assert claims[1].cited_outlets == ("The New York Times",)
    assert claims[1].speaker == "Ana Silva"


def test_according_to_the_outlet_cites_it_and_names_no_speaker(registry):
    text = "At least 40 people were killed in the blast, according to the BBC."
    claim = only_claim(text, registry)
    assert claim.cited_outlets == ("BBC",)
    assert claim.speaker is None


def test_reported_by_outlet_said_colon_quote_cites_outlet_and_source(registry):
    text = (
        "One diplomatic source reported by Al Jazeera said: “The ambassadors agreed on a "
        "plan this evening. It includes joining the coalition.”"
    )
    claims = extract(text, registry=registry).claims
    assert [c.speaker for c in claims] == ["One diplomatic source"] * 2
    assert [c.cited_outlets for c in claims] == [("Al Jazeera",)] * 2


@pytest.mark.parametrize(
    ("text", "outlet"),
    [
        ("Al Jazeera reported that the ambassadors had agreed on a plan.", "Al Jazeera"),
        ("The BBC reported that the budget had been cut by 23% since 2016.", "BBC"),
    ],
)
def test_outlet_reported_cites_the_outlet_and_is_not_the_speaker(registry, text, outlet):
    claim = only_claim(text, registry)
    assert claim.cited_outlets == (outlet,)
    assert claim.speaker is None


def test_outlet_quoted_person_as_saying_cites_outlet_and_gives_the_person(registry):
    text = (
        "Interfax news agency quoted Deputy Foreign Minister Sergei Volkov as saying "
        "that the talks would continue."
    )
    claim = only_claim(text, registry)
    assert claim.speaker == "Sergei Volkov"
    assert claim.cited_outlets == ("Interfax",)


def test_in_an_interview_with_outlet_cites_the_outlet(registry):
    text = (
        "The economy grew faster than expected last year.\n\n"
        "In an interview with CNN, Finance Minister Carla Mendes said growth would slow."
    )
    claim = extract(text, registry=registry).claims[1]
    assert claim.cited_outlets == ("CNN",)
    assert claim.speaker == "Carla Mendes"


def test_outlet_as_subject_of_accusation_is_not_cited(registry):
    text = "President Ellen Brooks accused the New York Times of inventing the story."
    claim = only_claim(text, registry)
    assert claim.cited_outlets == ()
    assert claim.speaker == "Ellen Brooks"


def test_outlet_named_inside_a_quote_is_not_cited(registry):
    text = "“I never told the BBC anything of the sort,” Mayor Ana Silva said on Monday."
    assert only_claim(text, registry).cited_outlets == ()


# Outlets credited for the whole text


def test_dateline_credits_the_wire_for_the_whole_text(registry):
    text = (
        "MOSCOW (Reuters) - Russia will extend the grain deal by 60 days, officials said.\n\n"
        "The deal was first signed in July last year in Istanbul."
    )
    extraction = extract(text, registry=registry)
    assert extraction.credited_outlets == ("Reuters",)
    assert [c.cited_outlets for c in extraction.claims] == [(), ()]
    assert extraction.claims[0].text.startswith("Russia will extend")


@pytest.mark.parametrize(
    ("dateline", "outlet"),
    [
        ("LAUSANNE, Switzerland (AP) --", "Associated Press"),
        ("PARIS (AFP) —", "Agence France-Presse"),
        ("WASHINGTON, March 3 (Reuters) -", "Reuters"),
    ],
)
def test_dateline_forms_credit_their_wire(registry, dateline, outlet):
    text = f"{dateline} The talks ended without an agreement on Tuesday night."
    assert extract(text, registry=registry).credited_outlets == (outlet,)


def test_source_footer_credits_the_outlet(registry):
    text = "The talks ended without an agreement on Tuesday night.\n\nsource: Al Jazeera"
    extraction = extract(text, registry=registry)
    assert extraction.credited_outlets == ("Al Jazeera",)
    assert len(extraction.claims) == 1


def test_interview_framing_credits_the_outlet(registry):
    text = (
        "In an exclusive interview with CNN, Finance Minister Carla Mendes discussed the "
        "budget and the coming election.\n\n"
        "Mendes: We will balance the budget by 2026."
    )
    extraction = extract(text, registry=registry)
    assert extraction.credited_outlets == ("CNN",)
    assert extraction.claims[1].speaker == "Carla Mendes"
    assert extraction.claims[1].text == "We will balance the budget by 2026."


def test_outlet_mentioned_in_the_story_is_not_credited(registry):
    text = "President Ellen Brooks accused the New York Times of inventing the story."
    assert extract(text, registry=registry).credited_outlets == ()


# Patterns added for unseen news shapes


def test_told_the_descriptor_outlet_cites_the_outlet(registry):
    text = "Deputy Minister Pavel Sorokin told the state-run TASS news agency the deal was close."
    claim = only_claim(text, registry)
    assert claim.cited_outlets == ("TASS",)
    assert claim.speaker == "Pavel Sorokin"


def test_outlet_business_daily_reported_cites_the_outlet(registry):
    text = "The Kommersant business daily reported that the contract had been signed."
    claim = only_claim(text, registry)
    assert claim.cited_outlets == ("Kommersant",)
    assert claim.speaker is None


def test_descriptor_outlet_reported_citing_sources_gives_the_sources(registry):
    text = (
        "The pro-government Kommersant newspaper reported Monday, citing two sources close "
        "to the talks, that a draft had been sent."
    )
    claim = only_claim(text, registry)
    assert claim.speaker == "two sources close to the talks"
    assert claim.cited_outlets == ("Kommersant",)


def test_outlet_reported_citing_people_at_the_end_gives_the_people(registry):
    text = "Subscriptions fell by a fifth, NPR reported, citing two people familiar with the data."
    claim = only_claim(text, registry)
    assert claim.speaker == "two people familiar with the data"
    assert claim.cited_outlets == ("NPR",)


def test_saying_after_the_main_clause_gives_the_subject(registry):
    text = "The Football Association fined the club on Monday, saying it had broken the rules."
    assert only_claim(text, registry).speaker.endswith("Football Association")


@pytest.mark.parametrize("source", ["the forecaster", "the operator", "its owner"])
def test_the_noun_said_at_the_end_gives_that_source(registry, source):
    text = f"Gusts of 141km/h were recorded on the coast this afternoon, {source} said."
    assert only_claim(text, registry).speaker == source


def test_compiled_by_outlet_cites_the_outlet(registry):
    text = (
        "More than 300 schools closed early, according to figures compiled by the PA news agency."
    )
    claim = only_claim(text, registry)
    assert claim.cited_outlets == ("PA Media",)
    assert "PA news agency" in claim.speaker


def test_sat_down_with_outlet_cites_the_outlet(registry):
    text = "Prime Minister Elina Koskinen sat down with CNN’s Daniel Reyes to discuss the border."
    assert only_claim(text, registry).cited_outlets == ("CNN",)


def test_told_the_outlet_with_a_small_the_cites_it(registry):
    text = "Mayor Sofie Berg told the Guardian that the town had asked for funding three times."
    assert only_claim(text, registry).cited_outlets == ("The Guardian",)


def test_name_age_and_apposition_before_said_gives_the_name(registry):
    text = (
        "Tom Baxter, 67, a retired fisherman whose family has lived there for four "
        "generations, said the sea had always taken the land."
    )
    assert only_claim(text, registry).speaker == "Tom Baxter"


def test_relative_clause_between_surname_and_verb_keeps_the_surname(registry):
    text = (
        "Councillor David Price leads the council.\n\n"
        "Price, who has led the council since 2019, told me the erosion was a national problem."
    )
    assert extract(text, registry=registry).claims[1].speaker == "David Price"


def test_she_resolves_to_the_last_woman_named_not_the_last_person(registry):
    text = (
        "When Margaret Ellis moved to the village in 1989, her cottage stood far from the edge.\n\n"
        "Her solicitor, Michael Osei, said he would take the case to the High Court.\n\n"
        "“We were told the defences would last a hundred years,” she said."
    )
    claims = extract(text, registry=registry).claims
    assert claims[1].speaker == "Michael Osei"
    assert claims[2].speaker == "Margaret Ellis"


def test_he_resolves_to_the_man_mentioned_after_a_woman_spoke(registry):
    text = (
        "Kirsty Nolan told reporters the athletes had been punished for too long. "
        "She said the commission had voted unanimously.\n\n"
        "Thomas Bach, whose term ends next year, has made the issue a priority. "
        "He said the board would review the decision in June."
    )
    speakers = [c.speaker for c in extract(text, registry=registry).claims]
    assert speakers == ["Kirsty Nolan", "Kirsty Nolan", None, "Thomas Bach"]


def test_unattributed_quote_paragraph_continues_the_last_speaker(registry):
    text = (
        "Prime Minister Elina Koskinen said Finland would raise its aid to Kyiv next year.\n\n"
        "“Ukraine is defending Europe’s border, not only its own.”"
    )
    claim = extract(text, registry=registry).claims[1]
    assert claim.speaker == "Elina Koskinen"
    assert claim.kind == "quote"


def test_dismissed_reports_is_attributed_to_who_dismissed_them(registry):
    text = "Minister Elina Koskinen dismissed reports that Finland would host nuclear weapons."
    assert only_claim(text, registry).speaker == "Elina Koskinen"


def test_outlet_whose_ratings_fell_is_not_cited(registry):
    text = "Meanwhile, CNN’s ratings fell to their lowest level in a decade last month."
    claim = only_claim(text, registry)
    assert claim.cited_outlets == ()
    assert claim.speaker is None


# More outlets credited for the whole text


def test_lower_case_source_footer_credits_the_outlet(registry):
    text = "The talks ended without an agreement on Tuesday night.\n\nsource: al jazeera"
    extraction = extract(text, registry=registry)
    assert extraction.credited_outlets == ("Al Jazeera",)
    assert len(extraction.claims) == 1


def test_highlights_of_an_interview_credit_the_outlet(registry):
    text = (
        "Finland’s prime minister on NATO: highlights from her CNN interview\n\n"
        "Prime Minister Elina Koskinen sat down with CNN’s Daniel Reyes on Sunday for an "
        "interview about the war.\n\n"
        "Koskinen said Finland would keep the crossings closed."
    )
    extraction = extract(text, registry=registry)
    assert extraction.credited_outlets == ("CNN",)
    assert extraction.claims[1].cited_outlets == ()


def test_an_interview_cited_without_highlights_credits_nothing(registry):
    text = (
        "Prime Minister Elina Koskinen told CNN in an interview that the border would stay "
        "closed.\n\nKoskinen said Finland would raise its aid."
    )
    assert extract(text, registry=registry).credited_outlets == ()


def test_the_ap_reported_inside_an_ap_story_cites_ap(registry):
    text = (
        "LAUSANNE, Switzerland (AP) -- The committee suspended the federation on Tuesday.\n\n"
        "Its former president was banned for life in 2021, the AP reported at the time."
    )
    extraction = extract(text, registry=registry)
    assert extraction.credited_outlets == ("Associated Press",)
    assert extraction.claims[1].cited_outlets == ("Associated Press",)
    assert extraction.claims[1].speaker is None


# Page chrome


@pytest.mark.parametrize(
    "line",
    [
        "A man cools off in a fountain in Córdoba. Photograph: Jorge Guerrero/AFP",
        "Patients wait in a corridor of the hospital in Seville [Cristina Quicler/AFP]",
        "Jane Doe is a freelance journalist based in Seville who covers health and migration.",
        "Associated Press writer Jamey Keaten in Geneva contributed to this report.",
        "By clicking Accept, you consent to the use of cookies.",
        "Listen to this article (4 mins)",
        "Read more about: Gazprom, Kazakhstan",
        "Follow her on X @janedoe.",
    ],
)
def test_chrome_line_is_not_a_claim(registry, line):
    text = f"The committee suspended the federation on Tuesday.\n\n{line}"
    assert [c.text for c in extract(text, registry=registry).claims] == [
        "The committee suspended the federation on Tuesday."
    ]


def test_live_blog_heading_after_a_timestamp_is_not_a_claim(registry):
    text = (
        "Storm live: thousands without power\n\n14:10 GMT\n\n"
        "First minister: ‘Stay at home if you can’\n\n"
        "First Minister Alan Reid urged people to avoid all but essential travel."
    )
    claims = extract(text, registry=registry).claims
    assert [c.speaker for c in claims] == ["Alan Reid"]
