"""memberships: membership plans' columns, the clients' memberships and the cycles billed (each once)

`plans` gets the membership columns (cadence, anchor day, included sessions, extra-session price, rollover),
all empty or 0 for the packs already there; `credit_lots.membership_id` marks a cycle's included sessions, `starts_on` the first day they cover.
Columns are added in place (SQLite cannot add a constraint in place and a batch copy of `plans` or
`credit_lots` would cascade): on SQLite the new checks and the foreign key live in the models only.

Revision ID: c3f8a1d6e5b2
Revises: 0b7d2e4c6a81
Create Date: 2026-12-01 17:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3f8a1d6e5b2'
down_revision = '0b7d2e4c6a81'
branch_labels = None
depends_on = None

PLAN_CHECKS = {
    'membership_has_cadence': "kind != 'membership' OR cadence IS NOT NULL",
    'anchor_day_in_month': 'anchor_day IS NULL OR anchor_day BETWEEN 1 AND 31',
    'included_not_negative': 'included_sessions IS NULL OR included_sessions >= 0',
    'extra_not_negative': 'extra_session_cents IS NULL OR extra_session_cents >= 0',
    'rollover_not_negative': 'rollover_max >= 0',
}


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.add_column('plans', sa.Column('cadence', sa.String(length=20), nullable=True))
    op.add_column('plans', sa.Column('anchor_day', sa.Integer(), nullable=True))
    op.add_column('plans', sa.Column('included_sessions', sa.Integer(), nullable=True))
    op.add_column('plans', sa.Column('extra_session_cents', sa.Integer(), nullable=True))
    op.add_column('plans', sa.Column('rollover_max', sa.Integer(), nullable=False, server_default='0'))
    if not sqlite:
        for name, condition in PLAN_CHECKS.items():
            op.create_check_constraint(name, 'plans', condition)
    op.create_table(
        'memberships',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('anchor_on', sa.Date(), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('next_renewal_on', sa.Date(), nullable=True),
        sa.Column('paused_on', sa.Date(), nullable=True),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'paused', 'cancelled')", name='status_known'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_memberships_trainer_id', 'memberships', ['trainer_id'])
    op.create_index('ix_memberships_client_id', 'memberships', ['client_id'])
    op.create_index('ix_memberships_next_renewal_on', 'memberships', ['next_renewal_on'])
    op.create_index('uq_memberships_one_live_per_client', 'memberships', ['client_id'], unique=True,
                    sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))
    op.create_table(
        'membership_cycles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('membership_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('cycle_start', sa.Date(), nullable=False),
        sa.Column('cycle_end', sa.Date(), nullable=False),
        sa.Column('price_cents', sa.Integer(), nullable=False),
        sa.Column('charged_cents', sa.Integer(), nullable=False),
        sa.Column('credited_cents', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=True),
        sa.Column('invoice_line_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('cycle_end > cycle_start', name='cycle_not_empty'),
        sa.CheckConstraint('credited_cents >= 0 AND credited_cents <= charged_cents', name='credit_within_charge'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id']),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['invoice_line_id'], ['invoice_lines.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('membership_id', 'cycle_start', name='uq_membership_cycles_start'),
    )
    op.create_index('ix_membership_cycles_trainer_id', 'membership_cycles', ['trainer_id'])
    op.create_index('ix_membership_cycles_invoice_id', 'membership_cycles', ['invoice_id'])
    if sqlite:
        op.add_column('credit_lots', sa.Column('membership_id', sa.Integer(), nullable=True))
    else:
        op.add_column('credit_lots', sa.Column('membership_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_credit_lots_membership_id', 'credit_lots', 'memberships', ['membership_id'],
                              ['id'], ondelete='CASCADE')
    op.create_index('ix_credit_lots_membership_id', 'credit_lots', ['membership_id'])
    op.add_column('credit_lots', sa.Column('starts_on', sa.Date(), nullable=True))


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.drop_column('credit_lots', 'starts_on')
    op.drop_index('ix_credit_lots_membership_id', table_name='credit_lots')
    if not sqlite:
        op.drop_constraint('fk_credit_lots_membership_id', 'credit_lots', type_='foreignkey')
    op.drop_column('credit_lots', 'membership_id')
    op.drop_table('membership_cycles')
    op.drop_table('memberships')
    if not sqlite:
        for name in PLAN_CHECKS:
            op.drop_constraint(name, 'plans', type_='check')
    for column in ('rollover_max', 'extra_session_cents', 'included_sessions', 'anchor_day', 'cadence'):
        op.drop_column('plans', column)
