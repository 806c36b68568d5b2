"""the audit log as a hash chain, append-only

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 08:55:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on audit_event refused', TG_OP;
END $$;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""


def _chain_existing_events() -> str | None:
    """Hash the events written before the chain existed, in id order; the last hash."""
    from factcheck.audit.events import event_hash

    connection = op.get_bind()
    events = sa.table(
        "audit_event", sa.column("id"), sa.column("at"), sa.column("actor"),
        sa.column("address"), sa.column("action"), sa.column("object_type"),
        sa.column("object_id"), sa.column("before", sa.JSON), sa.column("after", sa.JSON),
        sa.column("prev_sha256"), sa.column("sha256"),
    )
    previous = None
    for row in connection.execute(sa.select(events).order_by(events.c.id)).mappings().all():
        digest = event_hash(dict(row), previous)
        connection.execute(
            events.update().where(events.c.id == row["id"]).values(prev_sha256=previous, sha256=digest)
        )
        previous = digest
    return previous


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default="")
        )
    head = _chain_existing_events()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_audit_event_sha256", ["sha256"])
    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(audit_head, [{"id": 1, "sha256": head}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_event_sha256", type_="unique")
        batch_op.drop_column("sha256")
        batch_op.drop_column("prev_sha256")
