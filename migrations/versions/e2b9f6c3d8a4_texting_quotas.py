"""texting quotas: a trainer's own daily limit, and an index to count her texts of the last 24 hours

Every trainer starts with no limit of her own (NULL), so SMS_DAILY_LIMIT_PER_TRAINER applies to her
until an admin sets one with `flask set-text-quota`. No CHECK constraint on the limit (the command refuses
a negative one): adding one would make SQLite's batch mode copy and drop `trainers`, and dropping it with
foreign keys on deletes every client, invoice and text through their ON DELETE CASCADE.

Revision ID: e2b9f6c3d8a4
Revises: d7c4e1a9b2f5
Create Date: 2026-12-01 13:02:45.376597

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2b9f6c3d8a4'
down_revision = 'd7c4e1a9b2f5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_trainer_created', ['trainer_id', 'created_at'], unique=False)

    with op.batch_alter_table('trainers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('daily_text_limit', sa.Integer(), nullable=True))


def downgrade():
    # Not in batch mode: on SQLite that copies `trainers` and drops the original, and with foreign keys on
    # the drop deletes every trainer's clients, invoices and texts (ON DELETE CASCADE). SQLite 3.35+ drops
    # a column in place.
    op.drop_column('trainers', 'daily_text_limit')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_trainer_created')

