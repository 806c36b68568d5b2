"""Gathering a claim again costs little: pages fetched before are asked for only if
changed (ETag / Last-Modified), and an unchanged page is read from its archived copy,
which stays its evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from warcio.archiveiterator import ArchiveIterator

from factcheck.crossref import FetchPolicy, WarcArchive
from factcheck.crossref.archive import RecordLocator
from factcheck.crossref.gather import gather
from factcheck.crossref.store import (
    claim_to_check,
    retry_gathering,
    start_gathering,
    store_gathered,
)
from factcheck.models import Claim, CrossReference, CrossrefState, aware
from factcheck.outlets.registry import load_registry
from tests import crossref_world
from tests.harness import OutletSimulator
from tests.helpers import split_now

POLICY = FetchPolicy(allow_hosts=("127.0.0.1",), per_host_limit=4, min_delay=0.0, timeout=5)
STORY = "/reuters/nato-coalition"


@pytest.fixture
def registry(outlets: OutletSimulator, tmp_path: Path):
    registry = load_registry(crossref_world.build(outlets, tmp_path))
    outlets.page(STORY, crossref_world.REUTERS_STORY, etag='"v1"')
    return registry


def gather_and_store(session: Session, claim_id: int, registry, archive: WarcArchive) -> None:
    """One gathering of the claim, as a worker runs it; again, as "Gather again" asks."""
    if session.get(Claim, claim_id).crossref_state == CrossrefState.DONE:
        retry_gathering(session, claim_id, actor="rita")
    assert start_gathering(session, claim_id)
    session.commit()
    claim = claim_to_check(session, claim_id)
    gathered = gather(claim, registry=registry, policy=POLICY, archive=archive)
    assert store_gathered(session, claim_id, gathered)
    session.commit()


def story_records(folder: Path, kind: str = "response") -> list:
    """The archive's records of the story of one kind, with their WARC headers."""
    found = []
    for path in sorted(folder.glob("*.warc*")):
        with path.open("rb") as stream:
            found += [
                record.rec_headers
                for record in ArchiveIterator(stream)
                if record.rec_type == kind
                and record.rec_headers.get_header("WARC-Target-URI").endswith(STORY)
            ]
    return found


def story_row(session: Session, claim_id: int) -> CrossReference:
    rows = session.exec(select(CrossReference).where(CrossReference.claim_id == claim_id)).all()
    return next(row for row in rows if row.url.endswith(STORY))


@pytest.fixture
def reuters_claim(session: Session, demo_text: str, registry) -> int:
    article = split_now(session, demo_text, registry=registry)
    return next(c.id for c in article.claims if "symbolic gesture" in c.text)


def test_an_unchanged_page_is_asked_for_conditionally_and_its_copy_stays_the_evidence(
    session: Session, registry, reuters_claim: int, outlets: OutletSimulator, tmp_path: Path
):
    archive = WarcArchive(tmp_path / "archive")
    gather_and_store(session, reuters_claim, registry, archive)
    first = story_row(session, reuters_claim)
    copy = (first.sha256, first.warc_file, first.warc_offset, aware(first.fetched_at), first.hint)
    assert first.etag == '"v1"'

    gather_and_store(session, reuters_claim, registry, archive)

    asked = [r for r in outlets.received if r.path == STORY]
    assert asked[-1].headers.get("If-None-Match") == '"v1"'
    again = story_row(session, reuters_claim)
    assert (
        again.sha256,
        again.warc_file,
        again.warc_offset,
        aware(again.fetched_at),
        again.hint,
    ) == copy
    assert again.hint == "quote differs"  # still aligned, on the archived text
    assert len(story_records(tmp_path / "archive")) == 1
    (revisit,) = story_records(tmp_path / "archive", "revisit")
    assert revisit.get_header("WARC-Profile").endswith("/revisit/server-not-modified")
    assert revisit.get_header("WARC-Refers-To-Date").startswith(
        aware(first.fetched_at).strftime("%Y-%m-%dT%H:%M:%S")
    )
    assert revisit.get_header("WARC-Payload-Digest") == f"sha256:{first.sha256}"


def test_a_page_that_changed_is_fetched_and_archived_anew(
    session: Session, registry, reuters_claim: int, outlets: OutletSimulator, tmp_path: Path
):
    archive = WarcArchive(tmp_path / "archive")
    gather_and_store(session, reuters_claim, registry, archive)
    before = story_row(session, reuters_claim).sha256
    corrected = crossref_world.REUTERS_STORY.replace("whether this just", "whether this is just")
    outlets.page(STORY, corrected, etag='"v2"')

    gather_and_store(session, reuters_claim, registry, archive)

    after = story_row(session, reuters_claim)
    assert after.sha256 != before and after.etag == '"v2"'
    assert after.hint == "quote found"
    assert len(story_records(tmp_path / "archive")) == 2
    assert story_records(tmp_path / "archive", "revisit") == []


def test_a_lost_archived_copy_means_the_page_is_fetched_again(
    session: Session, registry, reuters_claim: int, outlets: OutletSimulator, tmp_path: Path
):
    archive = WarcArchive(tmp_path / "archive")
    gather_and_store(session, reuters_claim, registry, archive)
    for warc in (tmp_path / "archive").glob("*.warc*"):
        warc.unlink()

    gather_and_store(session, reuters_claim, registry, archive)

    asked = [r for r in outlets.received if r.path == STORY]
    _first_run, conditional, plain = asked  # the second run asks twice: if changed, then whole
    assert conditional.headers.get("If-None-Match") == '"v1"'
    assert "If-None-Match" not in plain.headers
    row = story_row(session, reuters_claim)
    locator = RecordLocator(row.warc_file, row.warc_offset, row.warc_length)
    assert b"NATO as an institution" in archive.read(locator, sha256=row.sha256).body
    assert row.hint == "quote differs"


def test_a_304_to_a_plain_request_fails_that_page_only(
    session: Session, registry, reuters_claim: int, outlets: OutletSimulator, tmp_path: Path
):
    outlets.page(STORY, "", status=304)

    gather_and_store(session, reuters_claim, registry, WarcArchive(tmp_path / "archive"))

    row = story_row(session, reuters_claim)
    assert "304 Not Modified to a request that was not conditional" in row.error
    assert session.get(Claim, reuters_claim).crossref_state == CrossrefState.DONE


def test_validators_too_long_to_keep_are_dropped_and_the_page_kept(
    session: Session, registry, reuters_claim: int, outlets: OutletSimulator, tmp_path: Path
):
    outlets.page(
        STORY,
        crossref_world.REUTERS_STORY,
        etag='"' + "x" * 600 + '"',
        last_modified="Thu, 25 May 2017 09:00:00 GMT" + " " * 40 + "(a very long comment)",
    )

    gather_and_store(session, reuters_claim, registry, WarcArchive(tmp_path / "archive"))

    row = story_row(session, reuters_claim)
    assert (row.etag, row.last_modified) == (None, None)
    assert row.sha256 and row.hint == "quote differs"
