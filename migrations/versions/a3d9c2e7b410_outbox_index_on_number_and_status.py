"""outbox: index on the number texted and the status

Revision ID: a3d9c2e7b410
Revises: 5f534a1c0429
Create Date: 2026-11-21 12:35:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a3d9c2e7b410'
down_revision = '5f534a1c0429'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_to_number_status', ['to_number', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_to_number_status')
