"""a page read from a web archive (its live page gone) names the archive and the memento

Rows kept before are pages fetched from their own sites: both columns stay empty.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("cross_reference", "rejected_page")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("archive_name", sa.String(length=100), nullable=True))
            batch_op.add_column(sa.Column("memento_url", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("memento_url")
            batch_op.drop_column("archive_name")
