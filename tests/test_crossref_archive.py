"""The archive keeps a verifiable copy of every fetched response."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from factcheck.crossref.archive import ArchiveError, RecordLocator, WarcArchive, sha256_of
from factcheck.crossref.fetcher import FetchResult

FETCHED_AT = datetime(2017, 5, 25, 14, 3, 7, tzinfo=UTC)
STORY = (
    "<p>“The question is whether this just a symbolic gesture to the United States,” "
    "the diplomat said.</p>"
).encode()


def fetched(body: bytes = STORY, **changes) -> FetchResult:
    result = FetchResult(
        url="https://www.reuters.com/article/nato",
        final_url="https://www.reuters.com/article/nato-joins?edition=uk",
        status=200,
        headers={
            "content-type": "text/html; charset=utf-8",
            "content-encoding": "gzip",
            "content-length": "99",
            "etag": '"v1"',
        },
        body=body,
        content_type="text/html",
        fetched_at=FETCHED_AT,
        reason="OK",
        request_headers={"user-agent": "factcheck/0.1.0", "accept": "*/*"},
    )
    return replace(result, **changes)


def test_a_response_is_read_back_as_fetched(tmp_path: Path):
    archive = WarcArchive(tmp_path)
    record = archive.write(fetched())
    assert record.sha256 == sha256_of(STORY)
    copy = archive.read(record.locator, sha256=record.sha256)
    assert copy.url == "https://www.reuters.com/article/nato-joins?edition=uk"
    assert (copy.status, copy.body, copy.fetched_at) == (200, STORY, FETCHED_AT)
    assert copy.headers["etag"] == '"v1"'
    # The body is kept decoded, so the wire encoding is kept only for the record.
    assert copy.headers["x-archive-orig-content-encoding"] == "gzip"
    assert copy.headers["content-length"] == str(len(STORY))


def test_each_record_is_found_by_its_own_locator(tmp_path: Path):
    archive = WarcArchive(tmp_path)
    first = archive.write(fetched(b"<p>first version</p>"))
    second = archive.write(fetched(b"<p>second version</p>"))
    assert first.locator.warc_file == second.locator.warc_file
    assert second.locator.offset >= first.locator.offset + first.locator.length
    assert archive.read(first.locator, sha256=first.sha256).body == b"<p>first version</p>"
    assert archive.read(second.locator, sha256=second.sha256).body == b"<p>second version</p>"


def test_the_file_is_a_standard_warc_with_the_request_beside_the_response(tmp_path: Path):
    record = WarcArchive(tmp_path).write(fetched())
    assert record.locator.warc_file.startswith("factcheck-20170525-")
    text = gzip.decompress((tmp_path / record.locator.warc_file).read_bytes()).decode()
    assert text.startswith("WARC/1.1")
    assert "WARC-Type: response" in text and "WARC-Type: request" in text
    assert "GET /article/nato-joins?edition=uk HTTP/1.1" in text
    assert "WARC-Date: 2017-05-25T14:03:07" in text


def test_two_archives_in_one_directory_write_to_separate_files(tmp_path: Path):
    # As two worker processes would: never two writers appending to one file.
    first = WarcArchive(tmp_path).write(fetched())
    second = WarcArchive(tmp_path).write(fetched())
    assert first.locator.warc_file != second.locator.warc_file


def test_a_tampered_payload_is_detected(tmp_path: Path):
    archive = WarcArchive(tmp_path, compress=False)
    record = archive.write(fetched())
    path = tmp_path / record.locator.warc_file
    path.write_bytes(path.read_bytes().replace(b"whether this just", b"whether this  was"))
    with pytest.raises(ArchiveError, match="does not match the SHA-256 recorded"):
        archive.read(record.locator, sha256=record.sha256)


def test_a_damaged_compressed_record_is_detected(tmp_path: Path):
    archive = WarcArchive(tmp_path)
    record = archive.write(fetched())
    path = tmp_path / record.locator.warc_file
    data = bytearray(path.read_bytes())
    data[record.locator.length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    # Depending on where the flipped byte lands, gzip fails to inflate ("damaged") or
    # inflates to other bytes whose SHA-256 no longer matches ("altered"): both detected.
    with pytest.raises(ArchiveError, match=r"damaged|altered"):
        archive.read(record.locator, sha256=record.sha256)


def test_a_locator_outside_the_archive_is_refused(tmp_path: Path):
    with pytest.raises(ArchiveError, match="not a file of the archive"):
        WarcArchive(tmp_path).read(RecordLocator("../secrets.warc", 0, 10), sha256="0" * 64)


def test_a_not_modified_answer_is_not_archived(tmp_path: Path):
    with pytest.raises(ValueError, match="not modified"):
        WarcArchive(tmp_path).write(fetched(b"", status=304, not_modified=True))
