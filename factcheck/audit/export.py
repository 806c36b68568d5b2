"""The audit log as a file: exported a line at a time (JSONL or CSV, with a header that
records the chain's head), and such a file verified on its own, away from the database."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlmodel import Session

from factcheck.audit.chain import chain_head, exported_rows
from factcheck.audit.events import (
    EXPORT_COLUMNS,
    ChainReport,
    ExportFilter,
    Link,
    canonical_time,
    check_links,
    event_text,
    jsonl_event_line,
    link_of,
    text_hash,
)
from factcheck.audit.postgres import csv_event_lines, jsonl_event_lines
from factcheck.db import canonical_json, on_postgresql
from factcheck.models import utcnow

# Lines before the first event: the header (and for CSV, the column names).
HEADER_LINES = {"jsonl": 1, "csv": 2}


def export_header(
    session: Session, export_filter: ExportFilter, head: str | None
) -> dict[str, Any]:
    return {
        "factcheck_audit_export": 1,
        "head_sha256": head,
        "exported_at": canonical_time(utcnow()),
        "complete_chain": not export_filter.narrows,
        "filter": {
            key: (canonical_time(value) if isinstance(value, datetime) else value)
            for key, value in vars(export_filter).items()
        },
    }


def header_lines(header: dict[str, Any], file_format: str) -> list[str]:
    if file_format == "jsonl":
        return [json.dumps(header, sort_keys=True) + "\n"]
    return ["# " + json.dumps(header, sort_keys=True) + "\n", ",".join(EXPORT_COLUMNS) + "\n"]


def _jsonl_events(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield jsonl_event_line(row["id"], row["sha256"], event_text(row, row["prev_sha256"]))


def _csv_events(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One event per CSV row; before/after as JSON text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(
            canonical_json(row[name])
            if name in ("before", "after") and row[name] is not None
            else ("" if row[name] is None else row[name])
            for name in EXPORT_COLUMNS
        )
        # One row through the csv module's quoting, then the buffer is emptied again.
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def export_lines(session: Session, export_filter: ExportFilter, file_format: str) -> Iterator[str]:
    """The export, a line at a time (constant memory): a header that records the chain's
    head, then the events the filter selects up to that head, in chain order. On
    PostgreSQL the database writes the lines; elsewhere Python does."""
    head, head_id = chain_head(session)
    yield from header_lines(export_header(session, export_filter, head), file_format)
    if on_postgresql(session):
        write_events = jsonl_event_lines if file_format == "jsonl" else csv_event_lines
        yield from write_events(session, export_filter, upto_id=head_id)
        return
    # A head whose event is gone (head_id 0) bounds nothing: verify then shows the loss.
    rows = exported_rows(session, export_filter, upto_id=head_id or None)
    yield from (_jsonl_events if file_format == "jsonl" else _csv_events)(rows)


def write_export(session: Session, export_filter: ExportFilter, file_format: str, out: Any) -> int:
    """Write the export to a text file; the number of events written."""
    lines = 0
    for line in export_lines(session, export_filter, file_format):
        out.write(line)
        lines += line.count("\n")
    return lines - HEADER_LINES[file_format]


EXPORT_LINE = re.compile(r'\{"id":(\d+),"sha256":("[^"\\]*"|null),"event":(.*)\}\n?\Z', re.S)


PREV_AT_END = re.compile(r',"prev":(null|"[0-9a-f]{64}")\}\Z')


def _export_link(line: str) -> Link:
    """The link of one JSONL line: the event text as it stands, its hash and the hash it
    links to ("prev" is the text's last key). A line spelt otherwise (re-encoded by some
    tool, or an older export's, with the event's fields at the top level) is decoded."""
    match = EXPORT_LINE.match(line)
    if match is None:
        return _decoded_link(line)
    text, sha256 = match[3], _hash_token(match[2])
    if text_hash(text) != sha256:
        # Re-encoded (escaped non-ASCII, say) or edited: the decoded content decides.
        return _decoded_link(line)
    prev = PREV_AT_END.search(text)
    prev_sha256 = _hash_token(prev[1]) if prev else json.loads(text).get("prev")
    return Link(int(match[1]), prev_sha256, sha256, text)


def _hash_token(token: str) -> str | None:
    # null or a string without escapes (the patterns allow no other): no JSON decoder,
    # which took most of a file's verification time.
    return None if token == "null" else token[1:-1]


def _decoded_link(line: str) -> Link:
    try:
        row = json.loads(line)
        if "event" not in row:
            return link_of(row)
        event = row["event"]
        return Link(row["id"], event["prev"], row["sha256"], event_text(event, event["prev"]))
    except (ValueError, KeyError, TypeError) as error:
        raise UnreadableExport(f"a line is not an exported event: {line[:80]!r}") from error


class UnreadableExport(ValueError):
    """A file that is not an audit export, or a line of it that is no event."""


def _csv_links(lines: Iterable[str]) -> Iterator[Link]:
    for row in csv.DictReader(lines):
        record: dict[str, Any] = {
            name: (value if value != "" else None) for name, value in row.items()
        }
        record["id"] = int(record["id"])
        for name in ("before", "after"):
            record[name] = json.loads(record[name]) if record[name] else None
        yield link_of(record)


def read_export(lines: Iterable[str]) -> tuple[dict[str, Any], Iterator[Link]]:
    """An exported file's header and its events' links (JSONL or CSV, told apart by the
    header)."""
    lines = iter(lines)
    first = next(lines, "")
    if first.startswith("# "):
        return json.loads(first[2:]), _csv_links(lines)
    header = json.loads(first)
    return header, (_export_link(line) for line in lines if line.strip())


def verify_export(lines: Iterable[str]) -> ChainReport:
    """An exported file: every event's hash, the links between them when the export is
    the whole chain, and the last event against the head recorded in its header."""
    try:
        header, links = read_export(lines)
        report = check_links(links, contiguous=bool(header.get("complete_chain")))
    except ValueError as error:  # UnreadableExport, or a header that is no JSON
        return ChainReport(0, None, f"the file cannot be read as an audit export: {error}")
    if report.holds and header.get("complete_chain") and report.head != header.get("head_sha256"):
        return ChainReport(
            report.events,
            report.head,
            "the file's last event is not the head its header records "
            "(events were removed from the end)",
        )
    return report
