"""the review queue's order as partial indexes over pending claims and pinned articles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 08:12:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_index(
        "ix_article_pinned",
        "article",
        ["id"],
        postgresql_where=sa.text("pinned"),
        sqlite_where=sa.text("pinned"),
    )
    op.create_index(
        "ix_claim_pending_priority",
        "claim",
        [sa.text("checkworthiness DESC"), "article_id", "id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_claim_pending_priority", table_name="claim")
    op.drop_index("ix_article_pinned", table_name="article")
