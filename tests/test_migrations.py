"""The Alembic migrations make exactly the schema the models describe."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel

from factcheck import models  # noqa: F401  (registers the tables)
from factcheck.crossref.health import outlet_health
from factcheck.db import get_engine
from factcheck.migrate import alembic_config, upgrade_database
from factcheck.models import CrossReference, utcnow
from tests.harness import Stack, make_stack
from tests.helpers import NOW, split_now

DEMO = Path(__file__).parent / "fixtures" / "articles" / "memo-nato-daesh-2017.txt"


def differences(connection) -> list:
    """Alembic's comparison of the database with the models. SQLite does not report the
    ordering of an expression index, so there the one DESC index is compared by name."""

    def comparable(obj, name, type_, reflected, compare_to) -> bool:
        return not (
            connection.dialect.name == "sqlite"
            and type_ == "index"
            and name == "ix_claim_pending_priority"
        )

    context = MigrationContext.configure(connection, opts={"include_object": comparable})
    return compare_metadata(context, SQLModel.metadata)


def test_the_migrated_schema_matches_the_models(stack: Stack):
    with get_engine(stack.settings.database_url).connect() as connection:
        assert differences(connection) == []
        index_names = {index["name"] for index in inspect(connection).get_indexes("claim")}
    assert "ix_claim_pending_priority" in index_names


def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    fresh = make_stack(tmp_path)
    try:
        command.downgrade(alembic_config(fresh.settings.database_url), "base")
        upgrade_database(fresh.settings.database_url)
        with get_engine(fresh.settings.database_url).connect() as connection:
            assert differences(connection) == []
    finally:
        fresh.close()


def test_cross_references_gathered_before_outcomes_become_outcomes(tmp_path):
    """0011: an outlet with a bearing page is found; a failed fetch, or only the row that
    stood for "searched, nothing matched" (no request, no error), could not be checked;
    pages read with nothing bearing are nothing found. The stand-in rows go."""
    fresh = make_stack(tmp_path)
    url = fresh.settings.database_url
    try:
        command.downgrade(alembic_config(url), "0010")
        engine = get_engine(url)
        fetched = NOW - timedelta(hours=1)
        rows = [
            # claim, outlet, url, source, hint, status, fetched, error
            (0, "Reuters", "https://r.example/story", "feed", "quote found", 200, fetched, None),
            (0, "Reuters", "https://r.example/weather", "feed", "no matching report", 200,
             fetched, None),
            (1, "AFP", "https://a.example/sitemap.xml", "search", "no matching report",
             None, None, None),
            (2, "AFP", "https://a.example/gone", "feed", "fetch failed", None, None,
             "https://a.example/gone answered 404 Not Found."),
            (3, "BBC", "https://b.example/other", "feed", "no matching report", 200, fetched,
             None),
            (4, "Gazette", "outlet:Gazette", "search", "no matching report", None, None, None),
        ]
        with Session(engine) as session:
            article = split_now(session, DEMO.read_text(encoding="utf-8"))
            claim_ids = [claim.id for claim in article.claims][:5]
            # The table as it was at 0010: only the columns it had then.
            session.execute(
                CrossReference.__table__.insert(),
                [
                    {
                        "claim_id": claim_ids[place], "outlet": outlet, "url": page,
                        "source": source, "hint": hint, "hints": [hint], "passages": [],
                        "quote_diff": [], "depth": 0, "score": 0.0, "http_status": status,
                        "fetched_at": when, "error": error, "updated_at": NOW,
                    }
                    for place, outlet, page, source, hint, status, when, error in rows
                ],
            )
            session.commit()
        command.upgrade(alembic_config(url), "0011")
        with engine.connect() as connection:
            outcomes = {
                row.claim_id: row
                for row in connection.execute(text("SELECT * FROM claim_outlet_outcome"))
            }
            pages = connection.execute(text("SELECT url FROM cross_reference")).scalars().all()
        assert [outcomes[claim_id].outcome for claim_id in claim_ids] == [
            "found",
            "could_not_check",
            "could_not_check",
            "nothing_found",
            "not_searchable",
        ]
        assert "Gather again to check" in outcomes[claim_ids[1]].reason
        assert "answered 404" in outcomes[claim_ids[2]].reason
        assert "https://a.example/sitemap.xml" not in pages and "outlet:Gazette" not in pages
        assert "https://a.example/gone" in pages and len(pages) == 4
        with Session(engine) as session:
            health = {h.outlet: h for h in outlet_health(session, now=utcnow())}
        # Not knowing how a search went before outcomes were kept is no failure now; a
        # fetch that failed then is.
        assert health["AFP"].counts["could_not_check"] == 1 and health["AFP"].failing_now
        assert "Gazette" in health and not health["Gazette"].failing_now

        # 0012: pages read that bear on nothing move out of the cross-references.
        upgrade_database(url)
        with engine.connect() as connection:
            pages = connection.execute(text("SELECT url FROM cross_reference")).scalars().all()
            rejected = connection.execute(text("SELECT url FROM rejected_page")).scalars().all()
        assert sorted(pages) == ["https://a.example/gone", "https://r.example/story"]
        assert sorted(rejected) == ["https://b.example/other", "https://r.example/weather"]
        # 0013: pages kept before were read from their own sites, none from an archive.
        with engine.connect() as connection:
            for table in ("cross_reference", "rejected_page"):
                copies = f"SELECT count(*) FROM {table} WHERE archive_name IS NOT NULL"
                assert connection.execute(text(copies)).scalar() == 0
    finally:
        fresh.close()
