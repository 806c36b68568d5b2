"""fewer indexes written on every lease and verdict: those another index already serves,
one no query can use, the lease index kept to claims under a lease and the address index
to failed logins

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

LEASED = sa.text("leased_by_id IS NOT NULL")
FAILED_LOGIN = sa.text("action = 'login.failed'")


def upgrade() -> None:
    op.drop_index("ix_claim_article_id", table_name="claim")
    op.drop_index("ix_claim_status", table_name="claim")
    op.drop_index("ix_claim_speaker", table_name="claim")
    op.drop_index("ix_audit_event_address", table_name="audit_event")
    op.drop_index("ix_claim_leased_by_id", table_name="claim")
    op.create_index(
        "ix_claim_leased_by_id",
        "claim",
        ["leased_by_id"],
        postgresql_where=LEASED,
        sqlite_where=LEASED,
    )
    op.create_index(
        "ix_audit_event_failed_login",
        "audit_event",
        ["address", "at"],
        postgresql_where=FAILED_LOGIN,
        sqlite_where=FAILED_LOGIN,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_event_failed_login", table_name="audit_event")
    op.drop_index("ix_claim_leased_by_id", table_name="claim")
    op.create_index("ix_claim_leased_by_id", "claim", ["leased_by_id"])
    op.create_index("ix_audit_event_address", "audit_event", ["address"])
    op.create_index("ix_claim_speaker", "claim", ["speaker"])
    op.create_index("ix_claim_status", "claim", ["status"])
    op.create_index("ix_claim_article_id", "claim", ["article_id"])
