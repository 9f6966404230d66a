"""password resets: a link emailed, or a code texted to a verified mobile

Revision ID: c9d4e7f2a5b8
Revises: b3f7d2a9e6c1
Create Date: 2026-12-01 16:40:00.000000

A new table; nothing already stored changes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9d4e7f2a5b8'
down_revision = 'b3f7d2a9e6c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'password_resets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=5), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=True),
        sa.Column('code_hash', sa.String(length=64), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'))
    op.create_index('ix_password_resets_trainer_id', 'password_resets', ['trainer_id'], unique=False)


def downgrade():
    op.drop_index('ix_password_resets_trainer_id', table_name='password_resets')
    op.drop_table('password_resets')
