"""Alignment: the passage of a source that bears on a claim, and the hint for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from factcheck.crossref.align import (
    CORROBORATES,
    MENTIONS,
    NO_MATCHING_REPORT,
    QUOTE_DIFFERS,
    QUOTE_FOUND,
    QUOTE_NOT_IN_SOURCE,
    align,
    quote_diff,
)
from factcheck.crossref.passages import page_text, read_page, split_passages
from factcheck.extract import extract

FIXTURES = Path(__file__).parent / "fixtures" / "articles"

ARTICLE_DATE = datetime(2017, 5, 25, 13, 45, tzinfo=UTC)

# In the style of the wire copy the demo article (memo-nato-daesh-2017) drew on.
REUTERS_STORY = """NATO to join coalition against Islamic State, diplomats say

BRUSSELS (Reuters) - NATO leaders will agree on Thursday to join the U.S.-led coalition \
fighting Islamic State, diplomats said, a symbolic step to show unity with U.S. President \
Donald Trump.

"NATO as an institution will join the coalition," one senior diplomat involved in the \
discussions said. "The question is whether this just a symbolic gesture to the United \
States. France and Germany believe it is."

U.S. Secretary of State Rex Tillerson said on Wednesday he expected the alliance's 28 \
members to agree despite reservations by some allies."""

AL_JAZEERA_STORY = """NATO set to join anti-ISIL coalition

NATO is expected to formally join the US-led coalition against ISIL at a summit in \
Brussels on Thursday.

"The NATO ambassadors decided this evening an action plan on terrorism for the summit. \
It includes the accession of NATO to the global coalition against IS," one diplomat told \
the AFP news agency."""

MARKETS_STORY = """Stocks edge higher as oil steadies

European shares rose on Thursday, led by banks, as investors waited for the outcome of \
the OPEC meeting in Vienna."""


def test_a_quote_printed_word_for_word_is_found_with_its_span():
    claim = (
        "“NATO as an institution will join the coalition,” one senior diplomat involved in "
        "the discussions told the Reuters news agency."
    )
    alignment = align(claim, REUTERS_STORY, own_outlet="Reuters")
    assert alignment.hint == QUOTE_FOUND
    assert alignment.quote_diff == ()
    start, end = alignment.best.quote_span
    assert REUTERS_STORY[start:end] == "NATO as an institution will join the coalition"
    assert alignment.best.quote_similarity == 1.0


def test_a_quote_with_a_word_more_than_the_source_printed_differs_word_by_word():
    claim = (
        "“The question is whether this is just a symbolic gesture,” the diplomat told the "
        "Reuters news agency."
    )
    alignment = align(claim, REUTERS_STORY, own_outlet="Reuters")
    assert alignment.hint == QUOTE_DIFFERS
    assert alignment.quote_diff == (
        ("equal", "The question is whether this"),
        ("insert", "is"),
        ("equal", "just a symbolic gesture"),
    )
    start, end = alignment.best.quote_span
    assert REUTERS_STORY[start:end] == "The question is whether this just a symbolic gesture"


def test_the_word_diff_of_the_real_case():
    assert quote_diff(
        "whether this just a symbolic gesture", "whether this is just a symbolic gesture"
    ) == [("equal", "whether this"), ("insert", "is"), ("equal", "just a symbolic gesture")]


def test_the_word_diff_names_words_left_out_and_words_changed():
    assert quote_diff("a really important step", "a really big step") == [
        ("equal", "a really"),
        ("delete", "important"),
        ("insert", "big"),
        ("equal", "step"),
    ]


def test_a_report_of_the_same_facts_without_the_quote_corroborates():
    claim = (
        "Tillerson said on Wednesday he expected the 28 members of the alliance to agree "
        "despite reservations."
    )
    alignment = align(claim, REUTERS_STORY, claim_published=ARTICLE_DATE)
    assert alignment.hint == CORROBORATES
    assert "Rex Tillerson said on Wednesday" in alignment.best.passage.text


def test_a_report_with_other_figures_does_not_corroborate():
    claim = "Tillerson said on Wednesday he expected the 29 members of the alliance to agree."
    assert align(claim, REUTERS_STORY).hint == MENTIONS


def test_a_story_on_the_same_subject_that_does_not_report_the_claim_mentions_it():
    claim = "NATO will send troops to the coalition in Brussels, diplomats said."
    alignment = align(claim, AL_JAZEERA_STORY)
    assert alignment.hint == MENTIONS


def test_a_story_sharing_one_name_with_the_claim_does_not_mention_it():
    claim = "France and Germany will agree to the US plan, diplomats said."
    assert align(claim, AL_JAZEERA_STORY).hint == NO_MATCHING_REPORT


def test_a_story_on_something_else_is_no_matching_report():
    claim = "“NATO as an institution will join the coalition,” a senior diplomat said."
    alignment = align(claim, MARKETS_STORY)
    assert alignment.hint == NO_MATCHING_REPORT
    assert alignment.score < 0.1


def test_an_empty_page_is_no_matching_report():
    assert align("NATO will join the coalition, diplomats said.", "").hint == NO_MATCHING_REPORT


def test_a_passage_that_credits_another_outlet_starts_a_citation_chain():
    claim = (
        "One diplomatic source reported by Al Jazeera said: “The NATO ambassadors decided "
        "this evening an action plan on terrorism for the summit.”"
    )
    alignment = align(claim, AL_JAZEERA_STORY, own_outlet="Al Jazeera")
    assert alignment.hint == QUOTE_FOUND
    assert alignment.credited_to == ("AFP",)
    assert alignment.hints == (QUOTE_FOUND, "credited to AFP")


def test_an_outlet_naming_itself_is_not_a_citation_chain():
    claim = "“NATO as an institution will join the coalition,” a senior diplomat said."
    assert align(claim, REUTERS_STORY, own_outlet="Reuters").credited_to == ()


def test_a_page_far_in_time_from_the_claim_scores_lower():
    claim = "“NATO as an institution will join the coalition,” a senior diplomat said."
    near = align(claim, REUTERS_STORY, claim_published=ARTICLE_DATE, page_published=ARTICLE_DATE)
    later = ARTICLE_DATE + timedelta(days=60)
    far = align(claim, REUTERS_STORY, claim_published=ARTICLE_DATE, page_published=later)
    assert near.hint == far.hint == QUOTE_FOUND
    assert far.score < near.score


def test_the_best_passages_come_first_with_the_claims_words_marked():
    claim = "Tillerson expected the 28 members to agree despite reservations."
    alignment = align(claim, REUTERS_STORY, limit=2)
    assert len(alignment.passages) == 2
    assert alignment.passages[0].score >= alignment.passages[1].score
    marked = {REUTERS_STORY[s:e] for s, e in alignment.best.term_spans}
    assert {"Tillerson", "28", "members", "reservations"} <= marked


def test_long_paragraphs_are_cut_into_overlapping_windows_of_sentences():
    sentence = "The alliance met in Brussels on Thursday to discuss the plan at length. "
    paragraph = sentence * 12
    passages = split_passages("Headline\n\n" + paragraph.strip())
    assert passages[0].text == "Headline"
    windows = passages[1:]
    assert len(windows) > 1
    assert all(len(window.text.split()) <= 3 * len(sentence.split()) for window in windows)
    text = "Headline\n\n" + paragraph.strip()
    assert all(text[p.start : p.end] == p.text for p in passages)


@pytest.mark.parametrize("content_type", ["text/html", "application/xhtml+xml"])
def test_the_text_of_an_html_page_is_its_article_without_the_chrome(content_type):
    html = f"""<html><head><title>NATO</title></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>NATO to join coalition</h1>
    {"".join(f"<p>{p}</p>" for p in REUTERS_STORY.split(chr(10) * 2)[1:])}
    </article><footer>All rights reserved.</footer></body></html>"""
    text = page_text(html, content_type)
    assert "one senior diplomat involved in the discussions said" in text
    assert "All rights reserved" not in text


def test_plain_text_is_kept_as_it_is():
    assert page_text("First paragraph.\n\nSecond.\n", "text/plain") == "First paragraph.\n\nSecond."


# A council story of our own, for quotes of more than one sentence and their speakers.
COUNCIL_STORY = """Council to send nurses to Riverton

The Water Board met in Riverton on Monday to discuss the flood wall.

"We will send 40 nurses to Riverton before the winter. The Water Board has agreed to pay \
for the flood wall in full," Health Secretary Ines Moreau told reporters after the meeting.

Critics in Riverton said the plan came too late."""

SPLIT_QUOTE_STORY = """Council to send nurses to Riverton

"We will send 40 nurses to Riverton before the winter," Ines Moreau said on Monday. \
"The Water Board has agreed to pay for the flood wall in full."

Critics said the plan came too late."""

QUOTE_OVER_TWO_PARAGRAPHS = """Council to send nurses to Riverton

Health Secretary Ines Moreau spoke after the meeting in Riverton.

"We will send 40 nurses to Riverton before the winter," she said.

"The Water Board has agreed to pay for the flood wall in full."

Critics said the plan came too late."""

FULL_QUOTE = (
    "We will send 40 nurses to Riverton before the winter. The Water Board has agreed to "
    "pay for the flood wall in full."
)


def test_a_two_sentence_quote_changed_in_its_second_sentence_differs_there():
    claim = f"“{FULL_QUOTE.replace('in full', 'in part')}” Ines Moreau told the Northern Wire."
    alignment = align(claim, COUNCIL_STORY)
    assert alignment.hint == QUOTE_DIFFERS
    assert ("delete", "full") in alignment.quote_diff
    assert ("insert", "part") in alignment.quote_diff
    first_sentence = "We will send 40 nurses to Riverton before the winter."
    assert alignment.quote_diff[0] == ("equal", first_sentence)


def test_a_quote_with_a_word_dropped_differs_and_names_the_word():
    claim = f"“{FULL_QUOTE.replace('before the winter', 'before winter')}” Ines Moreau said."
    alignment = align(claim, COUNCIL_STORY)
    assert alignment.hint == QUOTE_DIFFERS
    assert ("delete", "the") in alignment.quote_diff


@pytest.mark.parametrize("story", [COUNCIL_STORY, SPLIT_QUOTE_STORY, QUOTE_OVER_TWO_PARAGRAPHS])
def test_a_quote_is_found_whole_however_the_source_lays_it_out(story):
    claim = f"“{FULL_QUOTE}” Health Secretary Ines Moreau said on Monday."
    alignment = align(claim, story)
    assert alignment.hint == QUOTE_FOUND
    assert alignment.quote_diff == ()
    assert not alignment.speaker_differs


def test_a_quote_the_source_gives_to_another_person_differs_and_names_both():
    claim = f"“{FULL_QUOTE}” Mayor Tomas Brandt told the Northern Wire."
    alignment = align(claim, COUNCIL_STORY)
    assert alignment.hint == QUOTE_DIFFERS
    assert alignment.speaker_differs
    assert alignment.quoted_speaker == "Ines Moreau"
    assert alignment.hints[:2] == (QUOTE_DIFFERS, "words given to Ines Moreau")


def test_the_claims_speaker_given_by_the_caller_is_the_one_compared():
    claim = f"“{FULL_QUOTE}” the official said."
    assert align(claim, COUNCIL_STORY, claim_speaker="Tomas Brandt").speaker_differs
    assert not align(claim, COUNCIL_STORY, claim_speaker="Moreau").speaker_differs


def test_a_quote_the_source_gives_to_a_pronoun_is_not_compared_with_anyone():
    """ "she said" names nobody in its sentence: resolving it from earlier paragraphs may
    pick another person, and a false alarm costs more than a missed one."""
    for speaker in ("Ines Moreau", "Tomas Brandt"):
        alignment = align(f"“{FULL_QUOTE}” {speaker} said.", QUOTE_OVER_TWO_PARAGRAPHS)
        assert alignment.hint == QUOTE_FOUND
        assert not alignment.speaker_differs


def test_a_group_or_an_unnamed_speaker_is_not_compared_with_a_person():
    claim = f"“{FULL_QUOTE}” an official told the Northern Wire."
    alignment = align(claim, COUNCIL_STORY)
    assert alignment.hint == QUOTE_FOUND
    assert not alignment.speaker_differs


def test_a_claim_of_two_quotations_of_which_the_source_prints_one_differs():
    claim = (
        "“We will send 40 nurses to Riverton before the winter,” Ines Moreau said, adding: "
        "“Nobody in the council has ever doubted the flood wall.”"
    )
    alignment = align(claim, COUNCIL_STORY)
    assert alignment.hint == QUOTE_DIFFERS
    assert ("insert", "Nobody in the council has ever doubted the flood wall.") in (
        alignment.quote_diff
    )


def test_the_speakers_story_without_the_quote_is_quote_not_in_source():
    claim = "“The Water Board will close every office in Riverton,” Ines Moreau told reporters."
    alignment = align(claim, COUNCIL_STORY)
    assert alignment.hint == QUOTE_NOT_IN_SOURCE
    assert alignment.quote_diff == ()


def test_a_story_of_the_same_place_without_the_speaker_is_no_matching_report():
    claim = "“The Water Board will close every office in Riverton,” Tomas Brandt said."
    assert align(claim, COUNCIL_STORY).hint == NO_MATCHING_REPORT


def test_a_paraphrase_of_what_was_said_corroborates():
    claim = (
        "Ines Moreau said the Water Board would send 40 nurses to Riverton and pay for the "
        "flood wall, Reuters reported."
    )
    assert align(claim, COUNCIL_STORY).hint == CORROBORATES


def test_a_misquoted_figure_differs_on_a_page_naming_the_speaker():
    story = (
        "Nurses for Riverton\n\n"
        "“We will send 40 nurses to Riverton before the winter,” Health Secretary Ines "
        "Moreau told reporters on Monday."
    )
    claim = "“We will send 400 nurses to Riverton before the winter,” Ines Moreau said."
    alignment = align(claim, story)
    assert alignment.hint == QUOTE_DIFFERS
    assert ("delete", "40") in alignment.quote_diff and ("insert", "400") in alignment.quote_diff


def test_the_same_formula_with_other_places_and_figures_is_another_statement():
    """Even from the same speaker: two of the quote's names and figures changed."""
    story = (
        "Nurses for Eastfield\n\n"
        "“We will send 90 nurses to Eastfield before the winter,” Health Secretary Ines "
        "Moreau said."
    )
    claim = "“We will send 40 nurses to Riverton before the winter,” Ines Moreau said."
    assert align(claim, story).hint == NO_MATCHING_REPORT


def test_an_unnamed_speakers_quote_is_never_missing_from_a_story_on_the_subject():
    claim = "“The alliance will double its patrols in the Baltic,” a senior diplomat said."
    story = "NATO ministers meet\n\nNATO defence ministers met in Vilnius to discuss the Baltic."
    assert align(claim, story).hint == NO_MATCHING_REPORT


def test_a_quote_with_an_ellipsis_is_found_when_its_parts_are():
    claim = "“We will send 40 nurses … before the winter,” Ines Moreau said."
    assert align(claim, COUNCIL_STORY).hint == QUOTE_FOUND


def test_a_short_sentence_of_a_quote_counts_in_the_comparison():
    story = (
        "Vote\n\n“We took the case to the High Court in the spring,” Ines Moreau said.\n\n"
        "“Did we win the appeal in the end? Absolutely not.”"
    )
    claim = (
        "“We took the case to the High Court in the spring. Did we win the appeal in the "
        "end? Absolutely yes,” Ines Moreau said."
    )
    alignment = align(claim, story)
    assert alignment.hint == QUOTE_DIFFERS
    assert ("insert", "yes") in alignment.quote_diff


@pytest.mark.parametrize("between", ["said. Tomas Brandt replied:", "said, but Tomas Brandt said:"])
def test_two_quotations_of_two_people_are_not_one_quote(between):
    story = (
        f"Budget row\n\n“We will never cut the budget,” Ines Moreau {between} "
        "“For schools in Riverton, that is a lie.”"
    )
    claim = "“We will never cut the budget for schools in Riverton,” Ines Moreau said."
    assert align(claim, story).hint != QUOTE_FOUND


@pytest.mark.parametrize("interruption", ["Mr. Brandt said", "Tomas Brandt, the U.S. envoy, said"])
def test_one_quotation_interrupted_by_its_attribution_is_found_whole(interruption):
    story = (
        f"Budget row\n\n“We will never cut the budget,” {interruption}, “for schools in Riverton.”"
    )
    claim = "“We will never cut the budget for schools in Riverton,” Tomas Brandt said."
    assert align(claim, story).hint == QUOTE_FOUND


@pytest.mark.parametrize(
    ("claimed", "printed"),
    [
        ("Recep Tayyip Erdogan", "Recep Tayyip Erdoğan"),
        ("Volodymyr Zelensky", "Volodymyr Zelenskyy"),
        ("Lula", "Luiz Inácio Lula da Silva"),
        ("Xi", "Xi Jinping"),
        ("Rodríguez Zapatero", "José Luis Rodríguez Zapatero"),
        ("Joe Biden", "Joseph R. Biden Jr."),
        ("Moreau", "Ines Moreau"),
    ],
)
def test_two_forms_of_one_persons_name_are_not_a_speaker_mismatch(claimed, printed):
    story = f"Talks\n\n“We will meet again in the spring,” {printed} told reporters."
    claim = f"“We will meet again in the spring,” {claimed} said."
    alignment = align(claim, story, claim_speaker=claimed)
    assert alignment.hint == QUOTE_FOUND
    assert not alignment.speaker_differs


@pytest.mark.parametrize(
    "story",
    [
        "Bridge\n\nInes Moreau said: “We have done the work. The harbour bridge will reopen "
        "in March.”\nTom Baxter said he disagreed.",
        "Bridge\n\n“We are on schedule,” Ines Moreau said. “The harbour bridge will reopen in "
        "March.” Baxter said the date was a fantasy.",
        "Bridge\n\nAccording to Tom Baxter, Ines Moreau told him: “The harbour bridge will "
        "reopen in March.”",
    ],
)
def test_someone_reacting_or_reporting_near_a_quote_is_not_its_speaker(story):
    claim = "“The harbour bridge will reopen in March,” Ines Moreau said."
    alignment = align(claim, story)
    assert alignment.hint == QUOTE_FOUND
    assert not alignment.speaker_differs


def test_a_longer_sentence_after_an_unattributed_quote_does_not_name_its_speaker():
    story = (
        "Talks\n\n"
        "“We will meet again in the spring.” Opposition leader Tom Baxter said on Monday "
        "that the talks had failed and that the minister should resign at once."
    )
    claim = "“We will meet again in the spring,” Ines Moreau said."
    assert not align(claim, story).speaker_differs


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.txt")), ids=lambda path: path.stem)
def test_an_articles_own_quotes_are_found_in_it_with_their_own_speakers(path):
    """Every quote of our fixture articles, aligned with its own article: never a false
    alarm (another speaker, a changed word, a quote not in source)."""
    extraction = extract(path.read_text(encoding="utf-8"))
    page = read_page(extraction.text)
    quotes = [c for c in extraction.claims if c.kind == "quote" and c.speaker]
    for claim in quotes:
        alignment = align(claim.text, page, claim_speaker=claim.speaker)
        assert alignment.hint not in (QUOTE_DIFFERS, QUOTE_NOT_IN_SOURCE, NO_MATCHING_REPORT), (
            claim.text
        )
        assert not alignment.speaker_differs, (claim.text, alignment.quoted_speaker)
