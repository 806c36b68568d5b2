"""editors' publish switches for ClaimReview pages, per article and per claim

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing is public after the upgrade: an editor chooses what to publish.
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_column("published")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("published")
