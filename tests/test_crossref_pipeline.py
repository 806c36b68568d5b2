"""End to end: a real worker gathers the demo article's cross-references from outlets
played on loopback, keeps verifiable copies, and the reviewer sees them on the claim."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from sqlmodel import Session, func, select

from factcheck.accounts.users import add_user
from factcheck.cli import main
from factcheck.crossref.outcomes import meaning_of
from factcheck.db import get_engine, session_scope
from factcheck.models import (
    AuditEvent,
    Claim,
    ClaimOutletOutcome,
    CrossReference,
    CrossrefState,
    RejectedPage,
    Role,
)
from factcheck.web import create_app
from tests import crossref_world
from tests.conftest import PASSWORD, log_in
from tests.harness import OutletSimulator, Stack, WorkerProcess, free_port, make_stack, wait_for
from tests.helpers import split_now
from tests.test_pipeline import submit, web_client

pytestmark = pytest.mark.worker


@pytest.fixture
def world_stack(tmp_path, outlets) -> Stack:
    outlets_file = crossref_world.build(outlets, tmp_path)
    created = make_stack(
        tmp_path,
        FACTCHECK_CROSSREF="1",
        FACTCHECK_OUTLETS_FILE=str(outlets_file),
        FACTCHECK_WIRE_AGENCIES="Reuters,AFP",
        FACTCHECK_FETCH_PER_HOST="4",
    )
    worker = WorkerProcess(created, tmp_path / "worker.log").start()
    yield created
    worker.stop()
    created.close()


def gathered(stack: Stack) -> bool:
    with Session(get_engine(stack.settings.database_url)) as db:
        unsettled = select(func.count()).where(
            Claim.crossref_state.in_([CrossrefState.WAITING, CrossrefState.RUNNING])
        )
        return (
            db.exec(select(func.count()).select_from(Claim)).one() > 0
            and db.exec(unsettled).one() == 0
        )


def references(stack: Stack) -> list[tuple[str, CrossReference]]:
    with Session(get_engine(stack.settings.database_url)) as db:
        rows = db.exec(select(Claim.text, CrossReference).join(Claim)).all()
        return [(text, ref) for text, ref in rows]


def test_the_demo_articles_sources_are_found_archived_and_aligned(world_stack, demo_text):
    client = web_client(world_stack)
    article_id = submit(client, demo_text)
    wait_for(lambda: gathered(world_stack), timeout=90)

    found = references(world_stack)
    by_hint = {(text[:40], ref.outlet, ref.hint) for text, ref in found}
    symbolic = [
        ref for text, ref in found if "symbolic gesture" in text and ref.outlet == "Reuters"
    ]
    assert any(
        ref.hint == "quote differs" and ["insert", "is"] in ref.quote_diff for ref in symbolic
    ), by_hint
    accession = [ref for text, ref in found if "accession of NATO" in text]
    assert any("credited to AFP" in ref.hints for ref in accession), by_hint
    assert any(ref.outlet == "AFP" and ref.depth == 1 for ref in accession), by_hint

    differs = next(ref for ref in symbolic if ref.hint == "quote differs")
    page = client.get(f"/claims/{differs.claim_id}").get_data(as_text=True)
    assert "<ins" in page and ">is</ins>" in page
    archived = client.get(f"/crossrefs/{differs.id}/archived").get_data(as_text=True)
    assert "the copy matches it" in archived and "symbolic gesture" in archived
    status = client.get(f"/articles/{article_id}/status").get_data(as_text=True)
    assert re.search(r"cross-referencing: <strong>(\d+) of \1</strong>", status)

    # Only evidence is a cross-reference: pages read that bear on nothing are kept apart,
    # with their archived copy, and listed collapsed under the claim.
    assert all(ref.error or meaning_of(ref.hints) != "rejected" for _text, ref in found), by_hint
    with Session(get_engine(world_stack.settings.database_url)) as db:
        rejected = db.exec(select(RejectedPage)).all()
    assert rejected and all(page.sha256 and page.warc_file for page in rejected)
    page = client.get(f"/claims/{rejected[0].claim_id}").get_data(as_text=True)
    assert re.search(r"\d+ pages? read that do(es)? not bear on the claim", page)
    assert f'href="/pages-read/{rejected[0].id}/archived"' in page
    copy = client.get(f"/pages-read/{rejected[0].id}/archived").get_data(as_text=True)
    assert "the copy matches it" in copy and rejected[0].sha256 in copy
    assert client.get("/pages-read/424242/archived").status_code == 404


def test_gathering_again_updates_the_rows_instead_of_adding_copies(world_stack, demo_text):
    client = web_client(world_stack)
    submit(client, demo_text)
    wait_for(lambda: gathered(world_stack), timeout=90)
    before = sorted((ref.claim_id, ref.url) for _text, ref in references(world_stack))
    claim_id = before[0][0]

    client.post(f"/claims/{claim_id}/crossrefs/retry")
    wait_for(lambda: gathered(world_stack), timeout=60)

    after = sorted((ref.claim_id, ref.url) for _text, ref in references(world_stack))
    assert after == before


def test_the_crossref_command_gathers_again_and_show_lists_the_sources(world_stack, demo_text):
    client = web_client(world_stack)
    article_id = submit(client, demo_text)
    wait_for(lambda: gathered(world_stack), timeout=90)

    again = CliRunner().invoke(
        main, ["crossref", str(article_id), "--wait", "--timeout", "90"], env=world_stack.env
    )

    assert again.exit_code == 0, again.output
    assert f"article {article_id}: 17 claims sent to be cross-referenced" in again.output
    assert "17 gathered, 0 failed" in again.output
    assert re.search(r"outlets: [1-9]\d* found, \d+ nothing found, 0 could not check", again.output)
    shown = CliRunner().invoke(
        main, ["show", str(article_id), "--format", "json"], env=world_stack.env
    )
    claims = json.loads(shown.output)["claim_list"]
    quote = next(c for c in claims if c["text"].startswith("“NATO as an institution"))
    (reuters,) = [r for r in quote["cross_references"] if r["url"].endswith("/nato-coalition")]
    assert reuters["hint"] == "quote found"
    assert reuters["title"] == "NATO set to join anti-Islamic State coalition"
    assert reuters["published"].startswith("2017-05-25")
    assert len(reuters["sha256"]) == 64 and reuters["fetched_at"]
    assert "NATO as an institution will join the coalition" in reuters["passage"]
    outcome = next(o for o in quote["outlet_outcomes"] if o["outlet"] == "Reuters")
    assert (outcome["outcome"], outcome["failures"]) == ("found", [])
    assert outcome["searched"]["routes"] and outcome["searched"]["pages_read"] >= 1
    assert outcome["checked_at"]


def test_the_crossref_command_names_an_article_that_does_not_exist(world_stack):
    result = CliRunner().invoke(main, ["crossref", "424242"], env=world_stack.env)
    assert result.exit_code == 1
    assert "There is no article 424242." in result.output


@contextmanager
def gathering_world(tmp_path, outlets_file, **env) -> Iterator[Stack]:
    """A stack of its own whose outlets are `outlets_file`'s, with a real worker."""
    stack = make_stack(
        tmp_path,
        FACTCHECK_CROSSREF="1",
        FACTCHECK_OUTLETS_FILE=str(outlets_file),
        FACTCHECK_WIRE_AGENCIES="Reuters,AFP",
        **env,
    )
    worker = WorkerProcess(stack, tmp_path / "worker.log").start()
    try:
        yield stack
    finally:
        worker.stop()
        stack.close()


def shown_outcomes(stack: Stack, article_id: int, outlets) -> tuple[list[dict], list[dict]]:
    """`factcheck show`'s claims, and their outcomes at `outlets` (the outlets a test
    defines; the shipped registry's others are left out)."""
    shown = CliRunner().invoke(main, ["show", str(article_id), "--format", "json"], env=stack.env)
    claims = json.loads(shown.output)["claim_list"]
    return claims, [o for c in claims for o in c["outlet_outcomes"] if o["outlet"] in outlets]


OFFLINE_OUTLETS = """
[[outlets]]
name = "Reuters"
aliases = ["Reuters news agency", "Thomson Reuters"]
domains = ["reuters.com"]
feeds = ["https://feeds.reuters.invalid/world.xml"]
sitemaps = ["https://www.reuters.invalid/sitemap_index.xml"]

[[outlets]]
name = "AFP"
aliases = ["Agence France-Presse", "AFP news agency"]
domains = ["afp.com"]
feeds = ["https://www.afp.invalid/en/rss"]

[[outlets]]
name = "Al Jazeera"
aliases = ["Al Jazeera English", "Aljazeera"]
domains = ["aljazeera.com"]
search_url = "https://www.aljazeera.invalid/search/{query}"
"""


def test_with_no_network_every_searched_outlet_could_not_be_checked_for_dns(tmp_path, demo_text):
    """The outlets' hosts do not resolve (.invalid never does, as no host does offline):
    no claim reads "nothing found", each failure names DNS, and the CLI says so."""
    outlets_file = tmp_path / "offline.toml"
    outlets_file.write_text(OFFLINE_OUTLETS, encoding="utf-8")
    with gathering_world(tmp_path, outlets_file) as stack:
        client = web_client(stack)
        article_id = submit(client, demo_text)
        wait_for(lambda: gathered(stack), timeout=90)
        claims, outcomes = shown_outcomes(stack, article_id, ("Reuters", "AFP", "Al Jazeera"))
        assert {o["outlet"] for o in outcomes} == {"Reuters", "AFP", "Al Jazeera"}
        assert {o["outcome"] for o in outcomes} == {"could_not_check"}
        assert all(f["kind"] == "dns" for o in outcomes for f in o["failures"])
        assert all("host not found (DNS)" in o["reason"] for o in outcomes)
        assert references(stack) == []
        claim = next(c for c in claims if c["outlet_outcomes"])
        page = client.get(f"/claims/{claim['id']}").get_data(as_text=True)
        assert page.count('<li class="outcome outcome-could-not-check">') == len(
            claim["outlet_outcomes"]
        )
        assert "host not found (DNS)" in page and "nothing found" not in page
        # A host that does not resolve may resolve later: tried again by itself.
        assert "Tried 1 time; trying again by itself after" in page
        assert all(o["tries"] == 1 and o["retry_at"] for o in outcomes)

        report_file = tmp_path / "report.json"
        CliRunner().invoke(
            main, ["report", str(article_id), "-o", str(report_file)], env=stack.env
        )
        rows = json.loads(report_file.read_text(encoding="utf-8"))["outlets"]
        for row in (r for r in rows if r["outlet"] in ("Reuters", "Al Jazeera")):
            assert (row["not_found"], row["could_not_check"]) == (0, row["claims"])
        with session_scope(stack.settings.database_url) as db:
            add_user(db, username="ed", password=PASSWORD, role=Role.EDITOR, actor="test")
        editor = log_in(create_app(stack.settings, {"WTF_CSRF_ENABLED": False}), "ed")
        dashboard = editor.get("/dashboard").get_data(as_text=True)
        assert "<strong>Reuters cannot be checked:</strong>" in dashboard

        again = CliRunner().invoke(
            main, ["crossref", str(article_id), "--wait", "--timeout", "90"], env=stack.env
        )
        assert again.exit_code == 1, again.output
        assert f", 0 nothing found, {len(outcomes)} could not check" in again.output


def test_the_crossref_command_waits_for_a_gathering_under_way_instead_of_starting_another(
    tmp_path, demo_text
):
    stack = make_stack(tmp_path, FACTCHECK_CROSSREF="1")
    try:
        with Session(get_engine(stack.settings.database_url)) as db:
            article_id = split_now(db, demo_text).id
        # No worker: the claims wait to be gathered, as behind a busy queue.
        result = CliRunner().invoke(
            main, ["crossref", str(article_id), "--wait", "--timeout", "0.5"], env=stack.env
        )
        assert result.exit_code == 1
        assert "17 claims are being cross-referenced already" in result.output
        assert "not every claim was gathered within 0.5 s" in result.output
        with Session(get_engine(stack.settings.database_url)) as db:
            retried = db.exec(
                select(func.count()).where(AuditEvent.action == "crossref.retry")
            ).one()
        assert retried == 0
    finally:
        stack.close()


def test_gathering_again_at_one_outlet_leaves_the_others_as_they_were(world_stack, demo_text):
    client = web_client(world_stack)
    submit(client, demo_text)
    wait_for(lambda: gathered(world_stack), timeout=90)
    with Session(get_engine(world_stack.settings.database_url)) as db:
        outcomes = db.exec(select(ClaimOutletOutcome).where(ClaimOutletOutcome.depth == 0)).all()
        by_claim: dict[int, list[ClaimOutletOutcome]] = {}
        for outcome in outcomes:
            by_claim.setdefault(outcome.claim_id, []).append(outcome)
        claim_id, searched = next((c, o) for c, o in by_claim.items() if len(o) >= 2)
        before = {o.outlet: o.checked_at for o in searched}
    chosen, *others = sorted(before)

    answer = client.post(f"/claims/{claim_id}/crossrefs/retry", data={"outlet": chosen})
    assert answer.status_code == 303
    wait_for(lambda: gathered(world_stack), timeout=60)

    with Session(get_engine(world_stack.settings.database_url)) as db:
        after = {
            o.outlet: o.checked_at
            for o in db.exec(
                select(ClaimOutletOutcome).where(ClaimOutletOutcome.claim_id == claim_id)
            )
        }
        event = db.exec(
            select(AuditEvent).where(AuditEvent.action == "crossref.retry")
        ).one()
    assert after[chosen] > before[chosen]
    assert all(after[outlet] == before[outlet] for outlet in others)
    assert event.after["outlets"] == [chosen]
    refused = client.post(f"/claims/{claim_id}/crossrefs/retry", data={"outlet": "Nobody"})
    assert refused.status_code == 400
    assert "Nobody is not an outlet this claim's gathering searched" in html.unescape(
        refused.get_data(as_text=True)
    )


def answering_badly(outlets: OutletSimulator, registry_text: str) -> tuple[str, dict[str, str]]:
    outlets.page("/reuters/feed.xml", "gone", status=404)
    outlets.page("/afp/feed.xml", "<rss><channel><item>cut off", "application/rss+xml")
    outlets.page("/robots.txt", "User-agent: *\nDisallow: /aljazeera/\n", "text/plain")
    return registry_text, {"Reuters": "http_status", "AFP": "malformed", "Al Jazeera": "robots"}


def not_answering(outlets: OutletSimulator, registry_text: str) -> tuple[str, dict[str, str]]:
    outlets.page("/reuters/feed.xml", "<rss/>", "application/rss+xml", delay=3.0)
    outlets.page("/afp/feed.xml", b"<rss>" + b" " * 1_200_000, "application/rss+xml")
    closed = f"http://127.0.0.1:{free_port()}/aljazeera/feed.xml"
    registry_text = registry_text.replace(outlets.url("/aljazeera/feed.xml"), closed)
    return registry_text, {"Reuters": "timeout", "AFP": "too_large", "Al Jazeera": "connect"}


@pytest.mark.parametrize("failing", [answering_badly, not_answering])
def test_outlets_that_fail_in_each_way_could_not_be_checked_and_say_why(
    tmp_path, outlets, demo_text, failing
):
    registry_file = crossref_world.build(outlets, tmp_path)
    registry_text, expected = failing(outlets, registry_file.read_text(encoding="utf-8"))
    registry_file.write_text(registry_text, encoding="utf-8")
    with gathering_world(
        tmp_path, registry_file, FACTCHECK_FETCH_TIMEOUT="0.5", FACTCHECK_MAX_ARTICLE_MB="1"
    ) as stack:
        article_id = submit(web_client(stack), demo_text)
        wait_for(lambda: gathered(stack), timeout=120)
        _claims, outcomes = shown_outcomes(stack, article_id, expected)
        kinds = {(o["outlet"], o["outcome"], f["kind"]) for o in outcomes for f in o["failures"]}
        assert kinds == {(outlet, "could_not_check", kind) for outlet, kind in expected.items()}
        assert all(o["outcome"] == "could_not_check" for o in outcomes)
