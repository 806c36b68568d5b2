"""cross-references

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 08:28:35.247968
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cross_reference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('outlet', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('parent_url', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('hint', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('hints', sa.JSON(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('passages', sa.JSON(), nullable=False),
    sa.Column('quote_diff', sa.JSON(), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('warc_file', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('warc_offset', sa.Integer(), nullable=True),
    sa.Column('warc_length', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('claim_id', 'url', name='uq_cross_reference_claim_url')
    )
    with op.batch_alter_table('cross_reference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cross_reference_claim_id'), ['claim_id'], unique=False)

    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crossref_state', sa.Enum('waiting', 'running', 'done', 'failed', name='crossref_state', native_enum=False, length=20), nullable=False, server_default='waiting'))
        batch_op.add_column(sa.Column('crossref_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('crossref_updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_claim_crossref_state'), ['crossref_state'], unique=False)

    # Claims split before cross-referencing existed are not crawled on upgrade: an editor
    # asks for them with "Gather again".
    op.execute("UPDATE claim SET crossref_state = 'done'")


def downgrade() -> None:
    with op.batch_alter_table('claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_crossref_state'))
        batch_op.drop_column('crossref_updated_at')
        batch_op.drop_column('crossref_error')
        batch_op.drop_column('crossref_state')

    with op.batch_alter_table('cross_reference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cross_reference_claim_id'))

    op.drop_table('cross_reference')
