"""trainers: whether invoice texts carry her Venmo pay link

Revision ID: f5b2d8e1c3a7
Revises: e41c7a9b5d20
Create Date: 2026-12-01 15:00:00.000000

On for every trainer, those already here included: a trainer with a Venmo username gets the link in her
next invoice texts and can turn it off in Settings.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f5b2d8e1c3a7'
down_revision = 'e41c7a9b5d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('trainers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venmo_in_texts', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('trainers', schema=None) as batch_op:
        batch_op.drop_column('venmo_in_texts')
