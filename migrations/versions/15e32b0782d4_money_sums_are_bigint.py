"""money sums are 64-bit: invoice and batch totals, payment and refund amounts, checkout amounts

A batch of invoices adds up past 2^31 cents ($21,474,836.47) long before any one amount does.

Revision ID: 15e32b0782d4
Revises: cda844494ba8
Create Date: 2026-12-01 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '15e32b0782d4'
down_revision = 'cda844494ba8'
branch_labels = None
depends_on = None

COLUMNS = [('batches', 'total_cents'), ('checkout_attempts', 'amount_cents'), ('invoices', 'total_cents'),
           ('payments', 'amount_cents'), ('payments', 'refunded_cents')]


def _retype(from_type, to_type):
    for table in dict.fromkeys(t for t, _ in COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in (c for t, c in COLUMNS if t == table):
                batch_op.alter_column(column, existing_type=from_type, type_=to_type, existing_nullable=False)


def upgrade():
    _retype(sa.Integer(), sa.BigInteger())


def downgrade():
    _retype(sa.BigInteger(), sa.Integer())  # fails, as it should, if a total no longer fits
