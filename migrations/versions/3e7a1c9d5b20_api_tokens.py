"""api tokens: personal tokens for the JSON API, kept as the hash of their secret

Revision ID: 3e7a1c9d5b20
Revises: 0b7d2e4c6a81
Create Date: 2026-12-01 17:20:00.000000

One new table; nothing existing changes. No trainer has a token until she makes one in Settings.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e7a1c9d5b20'
down_revision = '0b7d2e4c6a81'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('scope', sa.String(length=10), nullable=False),
        sa.Column('secret_sha256', sa.String(length=64), nullable=False),
        sa.Column('shown_prefix', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("scope in ('read', 'write')", name='scope_known'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('secret_sha256', name='uq_api_tokens_secret_sha256'),
    )
    op.create_index('ix_api_tokens_trainer_id', 'api_tokens', ['trainer_id'])


def downgrade():
    op.drop_index('ix_api_tokens_trainer_id', table_name='api_tokens')
    op.drop_table('api_tokens')
