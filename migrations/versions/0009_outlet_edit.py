"""admins' changes to the outlet registry, kept in the database for every process

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outlet_edit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("change", sa.String(length=10), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_outlet_edit_name"), "outlet_edit", ["name"], unique=False)
    registry = op.create_table(
        "outlet_registry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(registry, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("outlet_registry")
    op.drop_index(op.f("ix_outlet_edit_name"), table_name="outlet_edit")
    op.drop_table("outlet_edit")
