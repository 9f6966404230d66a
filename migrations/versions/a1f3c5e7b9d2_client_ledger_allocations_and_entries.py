"""client ledger: payment allocations, ledger entries, payments carry their client, write-offs

Revision ID: a1f3c5e7b9d2
Revises: f5b2d8e1c3a7
Create Date: 2026-12-01 16:10:00.000000

Every payment that counts today (succeeded or refunded, not deleted) becomes one allocation to its
invoice of what it still holds (amount less refunded), so that each invoice's paid, due and status read
exactly as before. The ledger is filled from the same rows: an entry per finalized invoice, per payment
received, per refund and per deletion, and per void invoice.
"""
from datetime import date, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1f3c5e7b9d2'
down_revision = 'f5b2d8e1c3a7'
branch_labels = None
depends_on = None

ONCE_PER_INVOICE = "kind IN ('invoice_charged', 'invoice_voided')"
ONCE_PER_PAYMENT = "kind IN ('payment_received', 'credit_issued', 'payment_deleted')"


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.Integer(), nullable=True))
    op.execute("UPDATE payments SET client_id = (SELECT i.client_id FROM invoices i WHERE i.id = payments.invoice_id)")
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.alter_column('client_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('invoice_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_payments_client_id'), ['client_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payments_client_id_clients'), 'clients', ['client_id'], ['id'],
                                    ondelete='CASCADE')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('written_off_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('written_off_at', sa.DateTime(), nullable=True))

    op.create_table(
        'payment_allocations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount_cents > 0', name=op.f('ck_payment_allocations_allocation_positive')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_payment_allocations_client_id_clients'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'],
                                name=op.f('fk_payment_allocations_invoice_id_invoices'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id'],
                                name=op.f('fk_payment_allocations_payment_id_payments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'],
                                name=op.f('fk_payment_allocations_trainer_id_trainers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_allocations')),
        sa.UniqueConstraint('payment_id', 'invoice_id', name='uq_payment_allocations_payment_invoice'),
    )
    for column in ('trainer_id', 'client_id', 'payment_id', 'invoice_id'):
        op.create_index(op.f(f'ix_payment_allocations_{column}'), 'payment_allocations', [column], unique=False)

    op.create_table(
        'ledger_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('applied_cents', sa.BigInteger(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=True),
        sa.Column('payment_id', sa.Integer(), nullable=True),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_ledger_entries_client_id_clients'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_ledger_entries_invoice_id_invoices'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_ledger_entries_payment_id_payments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], name=op.f('fk_ledger_entries_trainer_id_trainers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    )
    op.create_index(op.f('ix_ledger_entries_trainer_id'), 'ledger_entries', ['trainer_id'], unique=False)
    op.create_index(op.f('ix_ledger_entries_invoice_id'), 'ledger_entries', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_ledger_entries_payment_id'), 'ledger_entries', ['payment_id'], unique=False)
    op.create_index('ix_ledger_entries_client_occurred', 'ledger_entries', ['client_id', 'occurred_on'], unique=False)
    op.create_index('uq_ledger_entries_invoice_event', 'ledger_entries', ['kind', 'invoice_id'], unique=True,
                    sqlite_where=sa.text(ONCE_PER_INVOICE), postgresql_where=sa.text(ONCE_PER_INVOICE))
    op.create_index('uq_ledger_entries_payment_event', 'ledger_entries', ['kind', 'payment_id'], unique=True,
                    sqlite_where=sa.text(ONCE_PER_PAYMENT), postgresql_where=sa.text(ONCE_PER_PAYMENT))

    _fill_allocations_and_ledger()


def _fill_allocations_and_ledger():
    conn = op.get_bind()
    now = datetime.utcnow()
    conn.execute(sa.text(
        "INSERT INTO payment_allocations (trainer_id, client_id, payment_id, invoice_id, amount_cents, created_at) "
        "SELECT trainer_id, client_id, id, invoice_id, amount_cents - refunded_cents, created_at FROM payments "
        "WHERE status IN ('succeeded', 'refunded') AND deleted_at IS NULL AND amount_cents - refunded_cents > 0"))
    entries = []

    def entry(row, kind, amount, day, invoice_id=None, payment_id=None):
        entries.append(dict(trainer_id=row.trainer_id, client_id=row.client_id, kind=kind, amount_cents=amount,
                            applied_cents=0, invoice_id=invoice_id, payment_id=payment_id, occurred_on=_day(day),
                            note="", created_at=now))

    invoices = conn.execute(sa.text(
        "SELECT i.id, i.trainer_id, i.client_id, i.status, i.total_cents, i.issue_date, i.finalized_at, i.voided_at,"
        " i.created_at FROM invoices i WHERE i.status <> 'draft' ORDER BY i.id"))
    for row in invoices:
        entry(row, 'invoice_charged', row.total_cents, row.issue_date or row.finalized_at or row.created_at,
              invoice_id=row.id)
        if row.status == 'void':
            entry(row, 'invoice_voided', -row.total_cents,
                  row.voided_at or row.issue_date or row.created_at, invoice_id=row.id)
    payments = conn.execute(sa.text(
        "SELECT id, trainer_id, client_id, amount_cents, refunded_cents, received_on, deleted_at FROM payments "
        "WHERE status IN ('succeeded', 'refunded') ORDER BY id"))
    for row in payments:
        entry(row, 'payment_received', -row.amount_cents, row.received_on, payment_id=row.id)
        if row.refunded_cents:
            entry(row, 'refund', row.refunded_cents, row.received_on, payment_id=row.id)
        if row.deleted_at is not None and row.amount_cents > row.refunded_cents:
            entry(row, 'payment_deleted', row.amount_cents - row.refunded_cents, row.deleted_at, payment_id=row.id)
    if entries:
        conn.execute(sa.text(
            "INSERT INTO ledger_entries (trainer_id, client_id, kind, amount_cents, applied_cents, invoice_id,"
            " payment_id, occurred_on, note, created_at) VALUES (:trainer_id, :client_id, :kind, :amount_cents,"
            " :applied_cents, :invoice_id, :payment_id, :occurred_on, :note, :created_at)"), entries)


def downgrade():
    op.drop_table('ledger_entries')
    op.drop_table('payment_allocations')
    # Money on account and issued credits have no invoice to sit on in the schema before.
    op.execute("DELETE FROM payments WHERE invoice_id IS NULL OR method = 'credit'")
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('written_off_at')
        batch_op.drop_column('written_off_cents')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payments_client_id_clients'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payments_client_id'))
        batch_op.alter_column('invoice_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('client_id')
