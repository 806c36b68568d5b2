"""Taking articles in: what is refused, and that the same article is stored once."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from factcheck.articles.intake import (
    Upload,
    decode_upload,
    dedupe_key,
    read_submission,
    submit_article,
)
from factcheck.config import MEGABYTE
from factcheck.errors import TooLarge, UserError
from factcheck.models import Article, ArticleState, AuditEvent
from tests.harness import Stack


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_submitting_stores_the_article_as_received_with_an_audit_event(session, demo_text):
    submission = submit_article(session, content=demo_text, submitted_by="alice")
    session.commit()

    assert submission.created
    article = session.get(Article, submission.article.id)
    assert article.state == ArticleState.RECEIVED
    assert article.title == "NATO to join the fight against Daesh"
    event = session.exec(select(AuditEvent)).one()
    assert (event.actor, event.action, event.object_id) == (
        "alice",
        "article.ingest",
        str(article.id),
    )


def test_the_same_text_submitted_twice_is_one_article(session, demo_text):
    first = submit_article(session, content=demo_text, submitted_by="alice")
    again = submit_article(
        session, content=demo_text.replace("\n\n", "\r\n\r\n  ") + "\n", submitted_by="bob"
    )
    session.commit()

    assert not again.created
    assert again.article.id == first.article.id
    assert count(session, Article) == 1
    assert count(session, AuditEvent) == 1


def test_dedupe_key_ignores_spacing_and_case_but_not_words():
    assert dedupe_key("NATO  will join.\n") == dedupe_key("nato will\njoin.")
    assert dedupe_key("NATO will join.") != dedupe_key("NATO will not join.")


@pytest.mark.parametrize("content", ["", "   \n\t "])
def test_an_empty_submission_is_refused(stack: Stack, content):
    with pytest.raises(UserError, match="Nothing was sent"):
        read_submission(text=content, settings=stack.settings)


@pytest.mark.parametrize("content", ["Too short.", "<html><body><nav>Home</nav></body></html>"])
def test_a_submission_without_article_text_is_refused_and_nothing_is_stored(session, content):
    with pytest.raises(UserError, match="No article text"):
        submit_article(session, content=content, submitted_by="a")
    session.rollback()
    assert count(session, Article) == 0


def test_a_text_over_the_size_limit_is_refused_with_its_size(stack: Stack):
    huge = "word " * (stack.settings.max_article_bytes // 5 + 10)
    with pytest.raises(TooLarge, match=r"MB; the limit is 5 MB"):
        read_submission(text=huge, settings=stack.settings)


def test_a_binary_upload_is_refused_as_binary():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(UserError, match="binary"):
        decode_upload(png, filename="photo.txt", max_bytes=MEGABYTE)


def test_an_upload_in_windows_1252_is_read():
    text = "Caf\xe9 owners said prices rose by 20 per cent, the mayor\u2019s office reported."
    assert decode_upload(text.encode("cp1252"), filename="a.txt", max_bytes=MEGABYTE) == text


def test_only_txt_and_html_files_are_accepted(stack: Stack):
    with pytest.raises(UserError, match=r"not a \.txt or \.html file"):
        read_submission(upload=Upload("report.pdf", b"%PDF-1.4"), settings=stack.settings)


def test_text_and_url_together_are_refused(stack: Stack):
    with pytest.raises(UserError, match="not text and URL"):
        read_submission(text="Some text", url="https://example.org/a", settings=stack.settings)


def test_html_is_stored_with_its_extracted_text_and_no_script(session):
    html = (
        "<html><head><title>Minister resigns over budget</title>"
        "<script>alert('x')</script></head><body><article><h1>Minister resigns over budget</h1>"
        "<p>The finance minister resigned on Tuesday after the budget was rejected by "
        "parliament, officials said.</p><p>Her deputy will take over until an election, "
        "the prime minister's office told Reuters.</p></article></body></html>"
    )
    article = submit_article(session, content=html, submitted_by="a").article
    assert "alert" not in article.text
    assert "finance minister resigned" in article.text
    assert article.html == html


def test_the_same_article_submitted_at_the_same_instant_is_stored_once(
    stack: Stack, session, demo_text
):
    import threading

    from factcheck.db import get_engine

    barrier = threading.Barrier(4)
    ids: list[int] = []

    def submit() -> None:
        with Session(get_engine(stack.settings.database_url), expire_on_commit=False) as own:
            barrier.wait()
            article = submit_article(own, content=demo_text, submitted_by="racer").article
            own.commit()
            ids.append(article.id)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(ids) == 4 and len(set(ids)) == 1
    assert count(session, Article) == 1
