"""each cross-reference keeps the title and date its outlet listed the page with

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cross_reference", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("published", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cross_reference", schema=None) as batch_op:
        batch_op.drop_column("published")
        batch_op.drop_column("title")
