"""From what ingest received (plain text or an HTML page) to a Document."""

from __future__ import annotations

import html
import re
from datetime import datetime

from factcheck.extract.layout import Layout, read_layout
from factcheck.extract.model import Document
from factcheck.extract.text import normalise_text

_HTML_MARKERS = re.compile(
    r"<!doctype\s+html|<(?:html|head|body|article|p|div|br|script|h[1-6])\b[^>]*>", re.IGNORECASE
)
_SCRIPT_OR_STYLE = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK_END = re.compile(r"</(?:p|div|h[1-6]|li|article|section)\s*>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def looks_like_html(text: str) -> bool:
    return bool(_HTML_MARKERS.search(text[:5000]))


def to_document(text_or_html: str) -> Document:
    return read_document(text_or_html)[0]


def read_document(text_or_html: str) -> tuple[Document, Layout]:
    """The Document, with the layout of its text (headline, date, chrome and body lines)."""
    if looks_like_html(text_or_html):
        return _html_document(text_or_html)
    return _document(normalise_text(text_or_html))


def _document(text: str, title: str | None = None, published: datetime | None = None):
    layout = read_layout(text, title=title, published=published)
    return Document(text, layout.title, layout.published), layout


def _html_document(page: str) -> tuple[Document, Layout]:
    import trafilatura  # Loaded only for HTML: it is slow to import.

    extracted = trafilatura.bare_extraction(
        page,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params={
            "extensive_search": True,
            "original_date": True,
            "outputformat": "%Y-%m-%dT%H:%M:%S",
        },
    )
    if extracted is None or not (extracted.text or "").strip():
        return _document(_strip_tags(page))
    paragraphs = [line.strip() for line in extracted.text.splitlines() if line.strip()]
    text = normalise_text("\n\n".join(paragraphs))
    return _document(text, extracted.title or None, _parse_iso(extracted.date))


def _strip_tags(page: str) -> str:
    """A last resort for pages trafilatura finds no article in."""
    text = _TAG.sub(" ", _BLOCK_END.sub("\n\n", _SCRIPT_OR_STYLE.sub(" ", page)))
    lines = (" ".join(line.split()) for line in html.unescape(text).splitlines())
    return normalise_text("\n\n".join(line for line in lines if line))


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
