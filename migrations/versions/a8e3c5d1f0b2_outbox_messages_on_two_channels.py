"""outbox messages on two channels (sms, email); clients' channels, time zone and reminder switch

Revision ID: a8e3c5d1f0b2
Revises: f5b2d8e1c3a7
Create Date: 2026-12-01 16:10:00.000000

Every row already in the outbox is a text: channel "sms", its number kept as the address. A message
may name the event it is for (`dedupe_key`), once per channel. Clients keep being texted ("text").
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8e3c5d1f0b2'
down_revision = 'f5b2d8e1c3a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_to_number_status')
        batch_op.alter_column('to_number', new_column_name='address', existing_type=sa.String(length=20),
                              type_=sa.String(length=254), existing_nullable=True)
        batch_op.alter_column('body', existing_type=sa.String(length=1600), type_=sa.Text(),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('channel', sa.String(length=5), server_default='sms', nullable=False))
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('send_after', sa.DateTime(), nullable=True))
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:  # after the rename (SQLite copies)
        batch_op.create_index('ix_outbox_messages_address_status', ['address', 'status'], unique=False)
        batch_op.create_unique_constraint('uq_outbox_messages_channel_dedupe_key', ['channel', 'dedupe_key'])
        batch_op.create_check_constraint('outbox_channel_known', "channel IN ('sms', 'email')")
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channels', sa.String(length=5), server_default='text', nullable=False))
        batch_op.add_column(sa.Column('email_opted_out_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reminders_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_check_constraint('client_channels_known', "channels IN ('text', 'email', 'both')")


def downgrade():
    # Emails have no number to keep: only the texts go back to the old outbox.
    op.execute("DELETE FROM outbox_messages WHERE channel <> 'sms'")
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_constraint('client_channels_known', type_='check')
        batch_op.drop_column('reminders_enabled')
        batch_op.drop_column('timezone')
        batch_op.drop_column('email_opted_out_at')
        batch_op.drop_column('channels')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint('outbox_channel_known', type_='check')
        batch_op.drop_constraint('uq_outbox_messages_channel_dedupe_key', type_='unique')
        batch_op.drop_index('ix_outbox_messages_address_status')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('send_after')
        batch_op.drop_column('subject')
        batch_op.drop_column('dedupe_key')
        batch_op.drop_column('channel')
        batch_op.alter_column('body', existing_type=sa.Text(), type_=sa.String(length=1600),
                              existing_nullable=False)
        batch_op.alter_column('address', new_column_name='to_number', existing_type=sa.String(length=254),
                              type_=sa.String(length=20), existing_nullable=True)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_to_number_status', ['to_number', 'status'], unique=False)
