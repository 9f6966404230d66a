"""Auto-pay: saved cards, the Stripe current invoice per draft, charge attempts; the trainer's retry days.

Revision ID: 7a2c4e6f8b10
Revises: 4f6b8d0c2e35
Create Date: 2026-12-01 19:50:00

"""
import sqlalchemy as sa
from alembic import op

from app.models.types import UTCDateTime

revision = '7a2c4e6f8b10'
down_revision = '4f6b8d0c2e35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('trainers') as batch:
        batch.add_column(sa.Column('autopay_retry_days', sa.String(40), nullable=False, server_default='1,3,5,7'))
        batch.add_column(sa.Column('autopay_suspend_credits', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))

    op.create_table(
        'autopay_cards',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('trainer_id', sa.Integer(), sa.ForeignKey('trainers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('client_id', sa.Integer(), sa.ForeignKey('clients.id', ondelete='CASCADE'), nullable=False),
        sa.Column('stripe_account_id', sa.String(64), nullable=False),
        sa.Column('stripe_customer_id', sa.String(64), nullable=False),
        sa.Column('stripe_payment_method_id', sa.String(64), nullable=True),
        sa.Column('brand', sa.String(20), nullable=False),
        sa.Column('last4', sa.String(4), nullable=False),
        sa.Column('exp_month', sa.Integer(), nullable=True),
        sa.Column('exp_year', sa.Integer(), nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('turned_off_at', UTCDateTime(), nullable=True),
        sa.Column('expiry_notice_for', sa.String(7), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.UniqueConstraint('client_id', name='uq_autopay_cards_client_id'),
    )
    op.create_index('ix_autopay_cards_trainer_id', 'autopay_cards', ['trainer_id'])

    op.create_table(
        'stripe_current_invoices',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('trainer_id', sa.Integer(), sa.ForeignKey('trainers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('invoice_id', sa.Integer(), sa.ForeignKey('invoices.id', ondelete='CASCADE'), nullable=False),
        sa.Column('stripe_account_id', sa.String(64), nullable=False),
        sa.Column('stripe_invoice_id', sa.String(64), nullable=True),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('synced_version', sa.Integer(), nullable=False),
        sa.Column('synced_at', UTCDateTime(), nullable=True),
        sa.Column('sync_error', sa.String(300), nullable=False),
        sa.Column('hosted_invoice_url', sa.String(500), nullable=True),
        sa.Column('fallback_reason', sa.String(300), nullable=False),
        sa.Column('finalized_at', UTCDateTime(), nullable=True),
        sa.Column('charge_on', UTCDateTime(), nullable=True),
        sa.Column('retries_paused', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.UniqueConstraint('invoice_id', name='uq_stripe_current_invoices_invoice_id'),
        sa.UniqueConstraint('stripe_invoice_id', name='uq_stripe_current_invoices_stripe_invoice_id'),
        sa.CheckConstraint("state in ('draft', 'open', 'paid', 'void', 'uncollectible', 'fallback')",
                           name='ck_stripe_current_invoices_state_known'),
    )
    op.create_index('ix_stripe_current_invoices_trainer_id', 'stripe_current_invoices', ['trainer_id'])

    op.create_table(
        'charge_attempts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('trainer_id', sa.Integer(), sa.ForeignKey('trainers.id', ondelete='CASCADE'), nullable=False),
        sa.Column('invoice_id', sa.Integer(), sa.ForeignKey('invoices.id', ondelete='CASCADE'), nullable=False),
        sa.Column('attempt_no', sa.Integer(), nullable=False),
        sa.Column('scheduled_for', UTCDateTime(), nullable=False),
        sa.Column('attempted_at', UTCDateTime(), nullable=True),
        sa.Column('outcome', sa.String(16), nullable=False),
        sa.Column('decline_code', sa.String(64), nullable=False),
        sa.Column('reason', sa.String(300), nullable=False),
        sa.Column('hard_decline', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.UniqueConstraint('invoice_id', 'attempt_no', name='uq_charge_attempts_one_attempt_per_number'),
        sa.CheckConstraint("outcome in ('scheduled', 'running', 'succeeded', 'failed', 'requires_action', "
                           "'cancelled')", name='ck_charge_attempts_outcome_known'),
    )
    op.create_index('ix_charge_attempts_trainer_id', 'charge_attempts', ['trainer_id'])
    op.create_index('ix_charge_attempts_invoice_id', 'charge_attempts', ['invoice_id'])


def downgrade():
    op.drop_table('charge_attempts')
    op.drop_table('stripe_current_invoices')
    op.drop_table('autopay_cards')
    with op.batch_alter_table('trainers') as batch:
        batch.drop_column('autopay_suspend_credits')
        batch.drop_column('autopay_retry_days')
