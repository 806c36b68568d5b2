"""Taking an article in: checking what was sent, and storing it once.

The article row (and its audit event) is flushed here; the caller commits, and only
after the commit asks for the split.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from factcheck.audit import record_event
from factcheck.config import Settings
from factcheck.errors import TooLarge, UserError
from factcheck.extract import looks_like_html, to_document
from factcheck.models import Article, ArticleState
from factcheck.net.fetch import fetch_page

MIN_ARTICLE_CHARACTERS = 40
UPLOAD_SUFFIXES = (".txt", ".text", ".html", ".htm")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


@dataclass(frozen=True)
class Submission:
    article: Article
    created: bool


def decode_upload(data: bytes, *, filename: str, max_bytes: int) -> str:
    """The text of an uploaded file, or a UserError saying why it cannot be read."""
    if len(data) > max_bytes:
        raise TooLarge(
            f"{filename} is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB per article."
        )
    if b"\x00" in data[:8192]:
        raise UserError(f"{filename} is a binary file. Upload the article as .txt or .html.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return check_text(text, max_bytes=max_bytes, what=filename)
    raise UserError(f"{filename} is not text in a known encoding. Save it as UTF-8 and retry.")


def check_text(text: str, *, max_bytes: int, what: str = "The article") -> str:
    """`text` when it can be an article; a UserError naming the problem otherwise."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > max_bytes:
        raise TooLarge(
            f"{what} is {size / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB per article."
        )
    sample = text[:8192]
    if sample and len(_CONTROL.findall(sample)) > len(sample) // 100:
        raise UserError(f"{what} looks like binary data, not an article's text.")
    if not text.strip():
        raise UserError(f"{what} is empty. Paste the article's text, upload a file or give a URL.")
    return text


def dedupe_key(text: str) -> str:
    """The SHA-256 of the text with case-folded letters and single spaces, so that
    the same article pasted twice (other line breaks, other spacing) is one article."""
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def submit_article(
    session: Session,
    *,
    content: str,
    submitted_by: str,
    url: str | None = None,
    published_at: datetime | None = None,
    publisher: str | None = None,
) -> Submission:
    """Store the article (text or HTML) unless the same text is already stored."""
    if url is not None and urlsplit(url).scheme not in ("http", "https"):
        raise UserError(f"{url!r} is not a web address (it must start with http:// or https://).")
    if publisher is not None and not isinstance(publisher, str):
        raise UserError("publisher must be text.")
    document = to_document(content)
    if len(document.text) < MIN_ARTICLE_CHARACTERS:
        raise UserError(
            "No article text was found in what was sent"
            + (" (the page held no readable article)." if looks_like_html(content) else ".")
            + f" An article needs at least {MIN_ARTICLE_CHARACTERS} characters of text."
        )
    sha256 = dedupe_key(document.text)
    existing = session.exec(select(Article).where(Article.sha256 == sha256)).first()
    if existing is not None:
        return Submission(existing, created=False)
    article = Article(
        url=url,
        title=document.title,
        publisher=publisher,
        published_at=published_at or document.published,
        text=document.text,
        html=content if looks_like_html(content) else None,
        sha256=sha256,
        submitted_by=submitted_by,
    )
    session.add(article)
    try:
        session.flush()
    except IntegrityError:
        # Another request stored the same text a moment ago. No savepoint here: pysqlite
        # commits on RELEASE SAVEPOINT, which would let a later failure (the audit
        # event) leave the article behind. The submission is the transaction's first
        # write, so rolling it all back loses nothing.
        session.rollback()
        existing = session.exec(select(Article).where(Article.sha256 == sha256)).one()
        return Submission(existing, created=False)
    record_event(
        session,
        actor=submitted_by,
        action="article.ingest",
        object_type="article",
        object_id=article.id,
        after={"state": ArticleState.RECEIVED.value, "url": url, "sha256": sha256},
    )
    return Submission(article, created=True)


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def read_submission(
    *,
    text: str = "",
    upload: Upload | None = None,
    url: str = "",
    settings: Settings,
) -> tuple[str, str | None]:
    """The content (text or HTML) and source URL of what a person sent: exactly one of a
    pasted text, an uploaded .txt/.html file, or a URL to fetch."""
    given = [
        name
        for name, value in (("text", text.strip()), ("file", upload), ("URL", url.strip()))
        if value
    ]
    if not given:
        raise UserError("Nothing was sent. Paste the article's text, upload a file or give a URL.")
    if len(given) > 1:
        raise UserError(f"Send one of text, file or URL, not {' and '.join(given)}.")
    if upload is not None:
        if not upload.filename.lower().endswith(UPLOAD_SUFFIXES):
            raise UserError(f"{upload.filename} is not a .txt or .html file.")
        return decode_upload(
            upload.data, filename=upload.filename, max_bytes=settings.max_article_bytes
        ), None
    if url.strip():
        page = fetch_page(
            url.strip(),
            allow_hosts=settings.fetch_allow_hosts,
            timeout=settings.fetch_timeout,
            max_bytes=settings.max_article_bytes,
        )
        return check_text(page.text, max_bytes=settings.max_article_bytes, what=page.url), page.url
    return check_text(text, max_bytes=settings.max_article_bytes), None
