"""billing schedules and billing runs: billing on a schedule, one run per trainer and period

Revision ID: a8e3c5d1f902
Revises: f5b2d8e1c3a7
Create Date: 2026-12-01 16:10:00.000000

Two new tables; nothing existing changes. No trainer has a schedule until she sets one in Settings.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8e3c5d1f902'
down_revision = 'f5b2d8e1c3a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'billing_schedules',
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('cadence', sa.String(length=10), nullable=False),
        sa.Column('anchor_date', sa.Date(), nullable=True),
        sa.Column('month_day', sa.Integer(), nullable=True),
        sa.Column('at_minute', sa.Integer(), nullable=False),
        sa.Column('review', sa.Boolean(), nullable=False),
        sa.Column('active_since', sa.DateTime(), nullable=False),
        sa.CheckConstraint("cadence in ('weekly', 'biweekly', 'monthly')", name='cadence_known'),
        sa.CheckConstraint('at_minute between 0 and 1439', name='at_minute_in_day'),
        sa.CheckConstraint("(cadence = 'monthly' and (month_day between 1 and 28 or month_day = 31)) or "
                           "(cadence != 'monthly' and month_day is null)", name='month_day_in_range'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('trainer_id'),
    )
    op.create_table(
        'billing_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('review', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=300), nullable=False),
        sa.Column('invoice_count', sa.Integer(), nullable=False),
        sa.Column('total_cents', sa.BigInteger(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status in ('queued', 'running', 'done', 'failed')", name='status_known'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['message_id'], ['outbox_messages.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('trainer_id', 'period_start', name='uq_billing_runs_trainer_period'),
    )
    op.create_index('ix_billing_runs_trainer_id', 'billing_runs', ['trainer_id'])
    op.create_index('ix_billing_runs_status_created', 'billing_runs', ['status', 'created_at'])


def downgrade():
    op.drop_index('ix_billing_runs_status_created', table_name='billing_runs')
    op.drop_index('ix_billing_runs_trainer_id', table_name='billing_runs')
    op.drop_table('billing_runs')
    op.drop_table('billing_schedules')
