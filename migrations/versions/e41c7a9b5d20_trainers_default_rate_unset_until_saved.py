"""trainers: the default rate is empty until the profile is first saved

Revision ID: e41c7a9b5d20
Revises: e2b9f6c3d8a4
Create Date: 2026-12-01 13:00:00.000000

A new trainer's rate field now starts empty instead of "0.00". Trainers already in the database keep
the rate they have (0 included): nothing tells a saved 0 from an untouched one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e41c7a9b5d20'
down_revision = 'e2b9f6c3d8a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('trainers', schema=None) as batch_op:
        batch_op.alter_column('default_rate_cents', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("UPDATE trainers SET default_rate_cents = 0 WHERE default_rate_cents IS NULL")
    with op.batch_alter_table('trainers', schema=None) as batch_op:
        batch_op.alter_column('default_rate_cents', existing_type=sa.Integer(), nullable=False)
