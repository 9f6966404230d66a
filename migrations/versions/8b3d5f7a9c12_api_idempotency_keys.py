"""api idempotency keys: the answer each POST with an Idempotency-Key got, per token, for 24 hours

Revision ID: 8b3d5f7a9c12
Revises: 7a2c4e6f8b10
Create Date: 2026-12-01 19:50:00.000000

One new table; nothing existing changes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b3d5f7a9c12'
down_revision = '7a2c4e6f8b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotency_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('request_sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('response_headers', sa.Text(), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name='fk_idempotency_keys_token_id_api_tokens',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_idempotency_keys'),
        sa.UniqueConstraint('token_id', 'key', name='uq_idempotency_keys_token_id'),
    )
    op.create_index('ix_idempotency_keys_created_at', 'idempotency_keys', ['created_at'])


def downgrade():
    op.drop_index('ix_idempotency_keys_created_at', table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
