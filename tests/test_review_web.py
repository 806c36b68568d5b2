"""The review pages: the leased claim on screen, verdicts, skip, undo, conflicts, reopen."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from factcheck.models import AuditEvent, Claim, ClaimStatus, CrossrefState
from tests.conftest import log_in, start_reviewing
from tests.helpers import add_evidence, add_outcome, split_now

HTMX = {"HX-Request": "true"}


def claim_on_screen(page: bytes) -> tuple[int, int]:
    """The id and version of the claim under review in a page or partial."""
    claim_id = int(re.search(rb'data-claim-id="(\d+)"', page).group(1))
    version = int(re.search(rb'name="version" value="(\d+)"', page).group(1))
    return claim_id, version


@pytest.fixture
def article(session, demo_text):
    return split_now(session, demo_text)


def test_review_shows_a_leased_claim_with_its_verdict_buttons(client, article):
    page = client.post("/review/next", follow_redirects=True)

    assert page.status_code == 200
    for label in (b"Verified", b"Disputed", b"Unsourced", b"Skip", b'aria-live="polite"'):
        assert label in page.data
    claim_id, _ = claim_on_screen(page.data)
    assert claim_id in {c.id for c in article.claims}


def test_opening_the_review_page_takes_no_lease(client, session, article):
    """A link, a prefetch or another site may open it: leases are taken by a POST."""
    page = client.get("/review").get_data(as_text=True)

    assert "Start reviewing" in page and "data-claim-id" not in page
    assert session.exec(select(Claim).where(Claim.leased_by_id.is_not(None))).all() == []
    assert "lease.taken" not in session.exec(select(AuditEvent.action)).all()


def test_the_review_page_shows_the_claim_the_reviewer_holds(client, article):
    claim_id, _ = claim_on_screen(start_reviewing(client))
    assert claim_on_screen(client.get("/review").data)[0] == claim_id


def test_a_verdict_swaps_in_the_next_claim(client, session, article):
    claim_id, version = claim_on_screen(start_reviewing(client))

    response = client.post(
        f"/claims/{claim_id}/verdict", data={"status": "verified", "version": version}, headers=HTMX
    )

    assert response.status_code == 200
    assert b"Marked verified" in response.data
    assert b"<html" not in response.data
    next_id, _ = claim_on_screen(response.data)
    assert next_id != claim_id
    assert session.get(Claim, claim_id).status == ClaimStatus.VERIFIED


def test_without_javascript_a_verdict_redirects_to_the_next_claim(client, article):
    claim_id, version = claim_on_screen(start_reviewing(client))
    response = client.post(
        f"/claims/{claim_id}/verdict", data={"status": "verified", "version": version}
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/review")


def test_disputed_without_a_note_is_refused_and_the_claim_stays(client, session, article):
    claim_id, version = claim_on_screen(start_reviewing(client))

    response = client.post(
        f"/claims/{claim_id}/verdict", data={"status": "disputed", "version": version}, headers=HTMX
    )

    assert response.status_code == 400
    assert b"A note is required" in response.data
    assert claim_on_screen(response.data)[0] == claim_id
    assert session.get(Claim, claim_id).status == ClaimStatus.PENDING


def test_a_stale_verdict_is_refused_with_409_and_what_changed(client, app, make_user, article):
    claim_id, version = claim_on_screen(start_reviewing(client))
    client.post(f"/claims/{claim_id}/verdict", data={"status": "verified", "version": version})
    make_user("other")

    response = log_in(app, "other").post(
        f"/claims/{claim_id}/verdict",
        data={"status": "disputed", "note": "no", "version": version},
        headers=HTMX,
    )

    assert response.status_code == 409
    assert b"rita marked it verified" in response.data


def test_skip_moves_on_to_another_claim(client, article):
    claim_id, _ = claim_on_screen(start_reviewing(client))
    response = client.post(f"/claims/{claim_id}/skip", headers=HTMX)
    assert claim_on_screen(response.data)[0] != claim_id


def test_undo_brings_the_last_verdict_back_on_screen(client, session, article):
    claim_id, version = claim_on_screen(start_reviewing(client))
    client.post(f"/claims/{claim_id}/verdict", data={"status": "verified", "version": version})

    response = client.post("/review/undo", headers=HTMX)

    assert b"Verdict undone" in response.data
    assert claim_on_screen(response.data)[0] == claim_id
    assert session.get(Claim, claim_id).status == ClaimStatus.PENDING


def test_undo_with_nothing_to_undo_says_so_and_takes_no_lease(client, session, article):
    response = client.post("/review/undo", headers=HTMX)
    assert response.status_code == 409
    assert b"no verdict of yours" in response.data
    assert session.exec(select(Claim).where(Claim.leased_by_id.is_not(None))).all() == []


def test_the_filter_form_sent_by_htmx_boost_lands_on_the_review_address(client, article):
    response = client.post(
        "/review/start", data={"kind": "quote"}, headers=HTMX | {"HX-Boosted": "true"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/review"


def test_a_refused_verdict_is_announced_without_a_next_claim(client, article):
    claim_id, version = claim_on_screen(start_reviewing(client))
    response = client.post(
        f"/claims/{claim_id}/verdict",
        data={"status": "disputed", "version": version},
        headers=HTMX,
    ).get_data(as_text=True)
    status = response.split('id="review-status"')[1].split("</div>")[0]
    assert "A note is required" in status and "Next claim" not in status


def test_leaving_a_claim_decided_by_another_does_not_say_it_was_skipped(
    client, app, make_user, session, article
):
    claim_id, version = claim_on_screen(start_reviewing(client))
    session.get(Claim, claim_id).leased_by_id = None
    session.commit()
    make_user("bob")
    other = log_in(app, "bob")
    decided = other.post(
        f"/claims/{claim_id}/verdict", data={"status": "verified", "version": version}
    )
    assert decided.status_code == 303

    response = client.post(f"/claims/{claim_id}/skip", headers=HTMX)

    assert b"Skipped" not in response.data
    assert claim_on_screen(response.data)[0] != claim_id


def test_the_queue_shows_who_is_reviewing_what(client, app, make_user, article):
    start_reviewing(client)
    make_user("watcher")
    page = log_in(app, "watcher").get("/queue").get_data(as_text=True)
    assert "being reviewed by rita" in page
    assert "Reviewing now: 1" in page


def test_logging_out_releases_the_lease(client, session, article):
    claim_id, _ = claim_on_screen(start_reviewing(client))
    client.post("/logout")
    session.expire_all()
    assert session.get(Claim, claim_id).leased_by_id is None


def test_an_editor_reopens_a_verdict_from_the_claim_page(client, editor_client, session, article):
    claim_id, version = claim_on_screen(start_reviewing(client))
    client.post(
        f"/claims/{claim_id}/verdict",
        data={"status": "disputed", "note": "Reuters says otherwise", "version": version},
    )

    response = editor_client.post(f"/claims/{claim_id}/reopen", data={"reason": "new facts"})

    assert response.status_code == 303
    page = editor_client.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert "reopened" in page and "new facts" in page
    session.expire_all()
    assert session.get(Claim, claim_id).status == ClaimStatus.PENDING


def test_the_claim_view_shows_the_same_claim_seen_in_other_articles(client, session, demo_text):
    first = split_now(session, demo_text)
    second = split_now(session, "Opening paragraph of another report.\n\n" + demo_text)
    quote = next(c for c in second.claims if c.text.startswith("“NATO as an institution"))

    page = client.get(f"/claims/{quote.id}").get_data(as_text=True)

    assert "Seen before" in page
    assert first.title in page


def test_an_empty_queue_says_so(client):
    assert b"No claim is waiting for review" in start_reviewing(client)


def test_evidence_links_are_kept(client, session, article):
    claim_id, version = claim_on_screen(start_reviewing(client))
    client.post(
        f"/claims/{claim_id}/verdict",
        data={
            "status": "verified",
            "version": version,
            "evidence": "https://example.org/a\nhttps://example.org/b",
        },
    )
    assert session.exec(select(Claim.evidence_urls).where(Claim.id == claim_id)).one() == [
        "https://example.org/a",
        "https://example.org/b",
    ]


def test_the_review_link_in_the_nav_gets_the_whole_page(client, article):
    page = client.get("/review", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert b"<nav" in page.data and b'id="keys-help"' in page.data


def test_a_verdict_without_its_version_is_a_400_not_a_conflict(client, article):
    claim_id, _ = claim_on_screen(start_reviewing(client))
    response = client.post(f"/claims/{claim_id}/verdict", data={"status": "verified"}, headers=HTMX)
    assert response.status_code == 400


def test_a_refused_verdict_keeps_the_note_the_reviewer_typed(client, article):
    claim_id, version = claim_on_screen(start_reviewing(client))
    response = client.post(
        f"/claims/{claim_id}/verdict",
        data={"status": "bogus", "version": version, "note": "my careful note"},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert b"my careful note</textarea>" in response.data


def test_reopening_clears_the_old_note(client, editor_client, session, article):
    claim_id, version = claim_on_screen(start_reviewing(client))
    client.post(
        f"/claims/{claim_id}/verdict",
        data={"status": "disputed", "note": "old reason", "version": version},
    )
    editor_client.post(f"/claims/{claim_id}/reopen", data={"reason": "look again"})
    session.expire_all()
    claim = session.get(Claim, claim_id)
    assert (claim.note, claim.evidence_urls) == (None, [])


def test_review_filters_narrow_the_claims_handed_out(client, article):
    client.post("/review/start", data={"outlet": "Reuters"})
    page = client.get("/review").get_data(as_text=True)
    assert "Reuters" in page.split('class="facts"')[1].split("</dl>")[0]


def test_a_speaker_filter_with_a_wildcard_matches_literally(client, article):
    page = client.post("/review/start", data={"speaker": "%"}, follow_redirects=True).data
    assert b"No claim is waiting for review" in page


@pytest.mark.parametrize(
    "url", ["/claims/99999999999999999999999", "/articles/99999999999999999999", "/queue?article=²"]
)
def test_out_of_range_ids_are_404_or_ignored_not_500(client, url):
    assert client.get(url).status_code in (200, 404)


def test_a_number_too_large_for_an_id_in_the_review_filter_is_refused_and_not_kept(client, article):
    response = client.post("/review/start", data={"article": "99999999999999999999"})
    assert response.status_code == 400
    assert b"no article" in response.data
    claim_on_screen(start_reviewing(client))  # the next lease is not a 500


@pytest.mark.parametrize("version", ["99999999999999999999", "-99999999999999999999", "1.5"])
def test_a_verdict_with_a_malformed_version_is_a_400(client, session, article, version):
    claim_id, _ = claim_on_screen(start_reviewing(client))
    response = client.post(
        f"/claims/{claim_id}/verdict", data={"status": "verified", "version": version}
    )
    assert response.status_code == 400
    assert session.get(Claim, claim_id).status == ClaimStatus.PENDING


def test_renewing_a_held_lease_is_204_and_a_lost_one_409(client, app, make_user, article):
    claim_id, version = claim_on_screen(start_reviewing(client))
    assert client.post(f"/claims/{claim_id}/renew").status_code == 204
    client.post(f"/claims/{claim_id}/verdict", data={"status": "verified", "version": version})
    assert client.post(f"/claims/{claim_id}/renew").status_code == 409


def test_an_editor_reassigns_a_claim_to_a_reviewer(client, editor_client, make_user, app, article):
    claim_id, _ = claim_on_screen(start_reviewing(client))
    make_user("newbie")

    response = editor_client.post(f"/claims/{claim_id}/reassign", data={"reviewer": "newbie"})

    assert response.status_code == 303
    assert claim_on_screen(log_in(app, "newbie").get("/review").data)[0] == claim_id
    assert claim_on_screen(start_reviewing(client))[0] != claim_id


def test_reassigning_to_nobody_is_refused(editor_client, article):
    claim_id = article.claims[0].id
    response = editor_client.post(f"/claims/{claim_id}/reassign", data={"reviewer": "ghost"})
    assert response.status_code == 400
    assert b"There is no user" in response.data


def test_a_claim_whose_gathering_failed_never_reads_as_citing_no_outlet(client, session, article):
    claim = article.claims[0]
    claim.crossref_state = CrossrefState.FAILED
    claim.crossref_error = "OperationalError: the database went away"
    session.add(claim)
    session.commit()
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Gathering failed: OperationalError: the database went away" in page
    assert "cites no outlet" not in page


def test_a_failed_gathering_says_the_outcomes_shown_are_from_the_one_before(
    client, session, article
):
    claim = article.claims[0]
    add_outcome(session, claim, "Reuters", "nothing_found")
    claim.crossref_state = CrossrefState.FAILED
    claim.crossref_error = "boom"
    session.add(claim)
    session.commit()
    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Gathering failed: boom What follows is from the gathering before." in page


def test_a_quote_the_source_gives_to_another_person_names_both_on_the_claim_page(
    client, editor_client, session, article
):
    claim = next(c for c in article.claims if c.speaker)
    add_evidence(
        session,
        claim,
        "Reuters",
        "https://www.reuters.com/a",
        "quote differs",
        "words given to Tomas <Brandt>",
    )

    page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    mismatch = re.search(r'<p class="speaker-mismatch".*?</p>', page, re.S).group(0)
    assert "the source gives these words to <strong>Tomas &lt;Brandt&gt;</strong>" in mismatch
    assert f"the article, to <strong>{claim.speaker}</strong>" in mismatch
    assert '<p class="quote-diff"' in page

    report = editor_client.get(f"/articles/{article.id}/report").get_data(as_text=True)
    assert "the source gives these words to <strong>Tomas &lt;Brandt&gt;</strong>" in report
    data = editor_client.get(f"/articles/{article.id}/report.json").get_json()
    evidence = [e for c in data["claims"] for e in c["evidence"]]
    assert [e["quoted_speaker"] for e in evidence] == ["Tomas <Brandt>"]
