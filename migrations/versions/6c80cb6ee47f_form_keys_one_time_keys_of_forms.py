"""form keys: the one-time key of each form that makes something, with what its first post made

Revision ID: 6c80cb6ee47f
Revises: c5a8d3e6f214
Create Date: 2026-12-01 12:41:52.064726

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c80cb6ee47f'
down_revision = 'c5a8d3e6f214'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainer_id', sa.Integer(), nullable=False),
    sa.Column('made_table', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('made_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], name=op.f('fk_form_keys_trainer_id_trainers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_keys')),
    sa.UniqueConstraint('trainer_id', 'made_table', 'key', name='uq_form_keys_trainer_table_key')
    )


def downgrade():
    op.drop_table('form_keys')
