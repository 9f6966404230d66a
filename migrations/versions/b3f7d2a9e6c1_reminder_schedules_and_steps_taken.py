"""reminders: each trainer's schedule, the steps taken per invoice, an invoice's own off switch

Revision ID: b3f7d2a9e6c1
Revises: a8e3c5d1f0b2
Create Date: 2026-12-01 16:30:00.000000

No trainer has a schedule row yet: each follows the default (on the due date, 3 and 7 days after)
until she saves her own. Invoices already sent get reminders like new ones; no step counts as taken.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3f7d2a9e6c1'
down_revision = 'a8e3c5d1f0b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminder_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('days_after_due', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.CheckConstraint('days_after_due BETWEEN -30 AND 90', name='reminder_step_days_in_range'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('trainer_id', 'days_after_due', name='uq_reminder_steps_trainer_day'))
    op.create_index('ix_reminder_steps_trainer_id', 'reminder_steps', ['trainer_id'], unique=False)
    op.create_table(
        'reminder_sends',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('days_after_due', sa.Integer(), nullable=False),
        sa.Column('local_day', sa.Date(), nullable=False),
        sa.Column('message_key', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('invoice_id', 'days_after_due', name='uq_reminder_sends_invoice_step'))
    op.create_index('ix_reminder_sends_message_key', 'reminder_sends', ['message_key'], unique=False)
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_index('ix_invoices_status_due_date', ['status', 'due_date'], unique=False)


def downgrade():
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_status_due_date')
        batch_op.drop_column('reminders_enabled')
    op.drop_index('ix_reminder_sends_message_key', table_name='reminder_sends')
    op.drop_table('reminder_sends')
    op.drop_index('ix_reminder_steps_trainer_id', table_name='reminder_steps')
    op.drop_table('reminder_steps')
