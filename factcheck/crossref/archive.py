"""A verifiable copy of every fetched response, in WARC files (the web archive format).

Each process writes to WARC files of its own, named by day, process id and a random
part, so several workers on one machine never append to the same file and need no lock
between them. A response is found again by its locator (file name, byte offset, length);
its payload's SHA-256, recorded when it was written, shows it has not changed since.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from factcheck.crossref.fetcher import FetchResult
from factcheck.errors import UserError

# The body is stored as it was decoded, so the headers that described the encoding on the
# wire no longer apply; they are kept under these names (as pywb does) for the record.
_WIRE_HEADERS = ("content-encoding", "transfer-encoding", "content-length")
_ORIGINAL_PREFIX = "x-archive-orig-"


NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


class ArchiveError(UserError):
    """An archived copy cannot be served: missing, damaged, or not what was recorded."""

    status_code = 500


@dataclass(frozen=True)
class RecordLocator:
    """Where a response record lies: a file name inside the archive directory, the byte
    offset of the record and its length in bytes."""

    warc_file: str
    offset: int
    length: int


@dataclass(frozen=True)
class ArchivedRecord:
    """What `WarcArchive.write` returns: where the record is and its payload's SHA-256."""

    locator: RecordLocator
    sha256: str


@dataclass(frozen=True)
class ArchivedResponse:
    """A response read back from the archive, its payload verified against its SHA-256."""

    url: str
    fetched_at: datetime
    status: int
    headers: dict[str, str]
    body: bytes
    sha256: str


def sha256_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class WarcArchive:
    """The WARC files under `directory`, written by this process and read by any."""

    def __init__(self, directory: Path, *, compress: bool = True) -> None:
        self.directory = Path(directory)
        self.compress = compress
        self._lock = threading.Lock()
        self._file_name: str | None = None
        self._file_key: tuple[int, str] | None = None

    def write(self, result: FetchResult) -> ArchivedRecord:
        """Append the response (and the request that got it) to this process's WARC file
        of the day; return the response record's locator and its payload's SHA-256.
        A 304 has no payload: the record of the earlier fetch stays the evidence."""
        if result.not_modified:
            raise ValueError(f"{result.url} was not modified; keep the earlier record")
        digest = sha256_of(result.body)
        # A copy from a web archive is dated by its capture, but written today.
        written = datetime.now(UTC) if result.memento_url else result.fetched_at
        with self._lock:
            path = self.directory / self._current_file(written)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as file:
                writer = WARCWriter(file, gzip=self.compress, warc_version="1.1")
                offset = file.tell()
                response = _response_record(writer, result)
                writer.write_record(response)
                length = file.tell() - offset
                writer.write_record(_request_record(writer, result, response))
        return ArchivedRecord(RecordLocator(path.name, offset, length), digest)

    def write_revisit(self, result: FetchResult, original: ArchivedResponse) -> None:
        """Record a 304: the page was asked for again at `result.fetched_at` and had not
        changed since the copy archived `original.fetched_at` (a WARC revisit record,
        profile server-not-modified, which carries no payload)."""
        with self._lock:
            path = self.directory / self._current_file(result.fetched_at)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as file:
                writer = WARCWriter(file, gzip=self.compress, warc_version="1.1")
                status_line = f"{result.status} {result.reason}".strip()
                revisit = writer.create_revisit_record(
                    result.final_url,
                    digest=f"sha256:{original.sha256}",
                    refers_to_uri=original.url,
                    refers_to_date=_warc_date(original.fetched_at),
                    http_headers=StatusAndHeaders(
                        status_line, list(result.headers.items()), protocol=result.http_version
                    ),
                    warc_headers_dict={"WARC-Date": _warc_date(result.fetched_at)},
                )
                revisit.rec_headers.replace_header("WARC-Profile", NOT_MODIFIED_PROFILE)
                writer.write_record(revisit)
                writer.write_record(_request_record(writer, result, revisit))

    def read(self, locator: RecordLocator, *, sha256: str) -> ArchivedResponse:
        """The response at `locator`, refused unless its payload has the SHA-256 given."""
        data = self._record_bytes(locator)
        try:
            record = next(iter(ArchiveIterator(io.BytesIO(data))))
            body = record.content_stream().read()
        except (ArchiveLoadFailed, StopIteration, OSError, EOFError, ValueError) as error:
            raise ArchiveError(
                f"The archived copy in {locator.warc_file} at byte {locator.offset} is "
                "damaged and cannot be read."
            ) from error
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        if sha256_of(body) != sha256:
            raise ArchiveError(
                f"The archived copy of {url} does not match the SHA-256 recorded when it was "
                "fetched: the archive file has been altered."
            )
        return ArchivedResponse(
            url=url,
            fetched_at=_parse_warc_date(record.rec_headers.get_header("WARC-Date")),
            status=int(record.http_headers.get_statuscode()),
            headers={name.lower(): value for name, value in record.http_headers.headers},
            body=body,
            sha256=sha256,
        )

    def _current_file(self, moment: datetime) -> str:
        # A forked worker gets a new pid and so a new file; a new day starts a new file.
        key = (os.getpid(), moment.astimezone(UTC).strftime("%Y%m%d"))
        if key != self._file_key:
            suffix = ".warc.gz" if self.compress else ".warc"
            self._file_name = f"factcheck-{key[1]}-{key[0]}-{uuid.uuid4().hex[:8]}{suffix}"
            self._file_key = key
        assert self._file_name is not None
        return self._file_name

    def _record_bytes(self, locator: RecordLocator) -> bytes:
        if Path(locator.warc_file).name != locator.warc_file or locator.offset < 0:
            raise ArchiveError(f"{locator.warc_file!r} is not a file of the archive.")
        try:
            with (self.directory / locator.warc_file).open("rb") as file:
                file.seek(locator.offset)
                data = file.read(locator.length)
        except OSError as error:
            raise ArchiveError(f"The archive file {locator.warc_file} cannot be read.") from error
        if len(data) != locator.length:
            raise ArchiveError(f"The archive file {locator.warc_file} has been cut short.")
        return data


def _response_record(writer: WARCWriter, result: FetchResult):
    headers = [
        (f"{_ORIGINAL_PREFIX}{name}" if name in _WIRE_HEADERS else name, value)
        for name, value in result.headers.items()
    ]
    headers.append(("content-length", str(len(result.body))))
    status_line = f"{result.status} {result.reason}".strip()
    http_headers = StatusAndHeaders(status_line, headers, protocol=result.http_version)
    warc_headers = {"WARC-Date": _warc_date(result.fetched_at)}
    if result.memento_url:
        # A copy from a web archive: the record is of the original URL at the archive's
        # capture time, and says where the copy was read (an extension field, as the
        # IIPC's proposed WARC-Source-URI has it).
        warc_headers["WARC-Source-URI"] = result.memento_url
        warc_headers["WARC-Source-Archive"] = result.archived_by or ""
    return writer.create_warc_record(
        result.final_url,
        "response",
        payload=io.BytesIO(result.body),
        http_headers=http_headers,
        warc_headers_dict=warc_headers,
    )


def _request_record(writer: WARCWriter, result: FetchResult, response):
    # A copy from a web archive was asked of the archive (its memento), just now.
    asked_at = datetime.now(UTC) if result.memento_url else result.fetched_at
    target_uri = result.memento_url or result.final_url
    parts = urlsplit(target_uri)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    http_headers = StatusAndHeaders(
        f"GET {target} {result.http_version}",
        list(result.request_headers.items()),
        is_http_request=True,
    )
    concurrent = response.rec_headers.get_header("WARC-Record-ID")
    return writer.create_warc_record(
        target_uri,
        "request",
        payload=io.BytesIO(b""),
        http_headers=http_headers,
        warc_headers_dict={
            "WARC-Date": _warc_date(asked_at),
            "WARC-Concurrent-To": concurrent,
        },
    )


def _warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_warc_date(value: str | None) -> datetime:
    if not value:
        return datetime.fromtimestamp(0, UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
