"""one outcome per claim and outlet: found, nothing found, could not check, not searchable

The cross-references gathered before are turned into outcomes: an outlet with a page
that bears on the claim is found; one with a failed fetch, or with only the row that
stood for "searched, nothing matched" (which recorded no request and no error, so a
failed search looked the same), could not be checked until it is gathered again; the
rest read pages and found nothing. Those stand-in rows are then removed: they were no
page, and only pages are cross-references.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:00:00
"""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The hints of 2026-12 that bear on a claim (crossref.outcomes.HINT_MEANINGS), written out
# so that this migration keeps its meaning when the code moves on.
BEARING = {"quote found", "corroborates", "quote differs", "mentions"}
NO_ROUTE = (
    "factcheck knew no feed, sitemap or search page of this outlet when it was gathered, and "
    "the article does not link to it. An admin can give it feeds, sitemaps or a search_url "
    "under Outlets."
)
UNKNOWN_SEARCH = (
    "Gathered before factcheck recorded how each search went: whether the outlet was "
    "searched and found nothing, or the search failed, is not known. Gather again to check."
)

cross_reference = sa.table(
    "cross_reference",
    sa.column("id", sa.Integer),
    sa.column("claim_id", sa.Integer),
    sa.column("outlet", sa.String),
    sa.column("url", sa.String),
    sa.column("source", sa.String),
    sa.column("depth", sa.Integer),
    sa.column("hint", sa.String),
    sa.column("http_status", sa.Integer),
    sa.column("fetched_at", sa.DateTime(timezone=True)),
    sa.column("error", sa.Text),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    outcomes = op.create_table(
        "claim_outlet_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("outlet", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("searched", sa.JSON(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", "outlet", name="uq_claim_outlet_outcome_claim_outlet"),
    )
    op.create_index(
        op.f("ix_claim_outlet_outcome_claim_id"), "claim_outlet_outcome", ["claim_id"]
    )
    op.create_index(
        op.f("ix_claim_outlet_outcome_retry_at"), "claim_outlet_outcome", ["retry_at"]
    )
    op.create_index(
        "ix_claim_outlet_outcome_outlet_checked_at",
        "claim_outlet_outcome",
        ["outlet", "checked_at"],
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(cross_reference).order_by(cross_reference.c.claim_id, cross_reference.c.id)
    ).mappings()
    groups: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["claim_id"], row["outlet"])].append(dict(row))
    batch = []
    for (claim_id, outlet), group in groups.items():
        batch.append(_outcome(claim_id, outlet, group))
        if len(batch) == 1000:
            op.bulk_insert(outcomes, batch)
            batch = []
    if batch:
        op.bulk_insert(outcomes, batch)
    connection.execute(sa.delete(cross_reference).where(_stand_in()))


def _stand_in() -> Any:
    """The row that stood for "searched, nothing matched": no request, no error."""
    return sa.and_(
        cross_reference.c.fetched_at.is_(None),
        cross_reference.c.http_status.is_(None),
        cross_reference.c.error.is_(None),
    )


def _is_stand_in(row: dict[str, Any]) -> bool:
    return row["fetched_at"] is None and row["http_status"] is None and row["error"] is None


def _outcome(claim_id: int, outlet: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    failed = [row for row in rows if row["error"] is not None]
    stand_ins = [row for row in rows if _is_stand_in(row)]
    read = [row for row in rows if row["error"] is None and not _is_stand_in(row)]
    bearing = [row for row in read if row["hint"] in BEARING]
    failures = [{"url": row["url"], "kind": "other", "message": row["error"]} for row in failed]
    routes = [
        row["url"]
        for row in stand_ins
        if row["source"] == "search" and not row["url"].startswith("outlet:")
    ]
    if bearing:
        pages = "page bears" if len(bearing) == 1 else "pages bear"
        outcome, reason = "found", f"{len(bearing)} {pages} on the claim."
    elif not failed and not read and not routes:
        # The stand-in named the outlet itself ("outlet:NAME"): nothing was consulted.
        outcome, reason = "not_searchable", NO_ROUTE
    elif failed or stand_ins:
        outcome = "could_not_check"
        reason = (
            f"{len(failed)} of the pages chosen could not be fetched: {failed[0]['error']}"
            if failed
            else UNKNOWN_SEARCH
        )
    else:
        outcome = "nothing_found"
        reason = f"Read {len(read)} pages; none bears on the claim."
    moments = [row["updated_at"] for row in rows if row["updated_at"] is not None]
    checked_at = max(moments) if moments else datetime.now(UTC)
    return {
        "claim_id": claim_id,
        "outlet": outlet,
        "outcome": outcome,
        "reason": reason,
        "searched": {"routes": routes, "listings": 0, "pages_read": len(read), "window": None},
        "failures": failures,
        "depth": min(row["depth"] or 0 for row in rows),
        "checked_at": checked_at,
        "tries": 0,
        "retry_at": None,
        "failing_since": checked_at if outcome == "could_not_check" else None,
    }


def downgrade() -> None:
    op.drop_index(op.f("ix_claim_outlet_outcome_retry_at"), table_name="claim_outlet_outcome")
    op.drop_index("ix_claim_outlet_outcome_outlet_checked_at", table_name="claim_outlet_outcome")
    op.drop_index(op.f("ix_claim_outlet_outcome_claim_id"), table_name="claim_outlet_outcome")
    op.drop_table("claim_outlet_outcome")
