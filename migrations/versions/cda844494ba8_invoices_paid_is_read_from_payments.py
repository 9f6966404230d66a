"""invoices: what was paid is read from the payments; the stored paid_cents beside them goes

Revision ID: cda844494ba8
Revises: 6c80cb6ee47f
Create Date: 2026-12-01 13:00:42.557983

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cda844494ba8'
down_revision = '6c80cb6ee47f'
branch_labels = None
depends_on = None

# The app's definition of paid (app/models/payment.py: paid_on_invoice), as it stands at this revision.
PAID = """(SELECT coalesce(sum(p.amount_cents - p.refunded_cents), 0) FROM payments p
           WHERE p.invoice_id = invoices.id AND p.status IN ('succeeded', 'refunded') AND p.deleted_at IS NULL)"""


def upgrade():
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_invoices_paid_not_negative'), type_='check')
        batch_op.drop_column('paid_cents')


def downgrade():
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_cents', sa.Integer(), nullable=False, server_default='0'))
    op.execute(f"UPDATE invoices SET paid_cents = {PAID}")
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.alter_column('paid_cents', server_default=None)
        batch_op.create_check_constraint('paid_not_negative', 'paid_cents >= 0')
