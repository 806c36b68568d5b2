"""pages read that do not bear on their claim move out of the cross-references

A cross-reference is a page that supports, contradicts, relates to the claim or credits
another outlet; a page read that does none of these (hint "no matching report", crediting
nobody) is kept in `rejected_page`, with its validators and archived copy.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Written out, so that this migration keeps its meaning when the code moves on.
MOVED_COLUMNS = (
    "claim_id",
    "outlet",
    "url",
    "title",
    "published",
    "source",
    "parent_url",
    "depth",
    "score",
    "http_status",
    "fetched_at",
    "etag",
    "last_modified",
    "sha256",
    "warc_file",
    "warc_offset",
    "warc_length",
    "updated_at",
)
REJECTED = (
    "hint = 'no matching report' AND error IS NULL AND fetched_at IS NOT NULL"
    " AND CAST(hints AS TEXT) NOT LIKE '%credited to %'"
)


def upgrade() -> None:
    op.create_table(
        "rejected_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("outlet", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("parent_url", sa.String(length=2048), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("etag", sa.String(length=512), nullable=True),
        sa.Column("last_modified", sa.String(length=64), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("warc_file", sa.String(length=200), nullable=True),
        sa.Column("warc_offset", sa.Integer(), nullable=True),
        sa.Column("warc_length", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", "url", name="uq_rejected_page_claim_url"),
    )
    op.create_index(op.f("ix_rejected_page_claim_id"), "rejected_page", ["claim_id"])
    columns = ", ".join(MOVED_COLUMNS)
    op.execute(
        f"INSERT INTO rejected_page ({columns}) SELECT {columns} FROM cross_reference"
        f" WHERE {REJECTED}"
    )
    op.execute(f"DELETE FROM cross_reference WHERE {REJECTED}")


def downgrade() -> None:
    columns = ", ".join(MOVED_COLUMNS)
    op.execute(
        f"INSERT INTO cross_reference ({columns}, hint, hints, passages, quote_diff)"
        f" SELECT {columns}, 'no matching report', '[\"no matching report\"]', '[]', '[]'"
        " FROM rejected_page"
    )
    op.drop_index(op.f("ix_rejected_page_claim_id"), table_name="rejected_page")
    op.drop_table("rejected_page")
