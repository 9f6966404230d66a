"""invoice lines: the void invoice a draft line was carried over from

Revision ID: c5a8d3e6f214
Revises: b7e4f1a2c903
Create Date: 2026-12-01 13:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5a8d3e6f214'
down_revision = 'b7e4f1a2c903'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_invoice_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_invoice_lines_from_invoice_id_invoices'), 'invoices',
                                    ['from_invoice_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invoice_lines_from_invoice_id_invoices'), type_='foreignkey')
        batch_op.drop_column('from_invoice_id')
