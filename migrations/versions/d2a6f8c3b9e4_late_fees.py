"""late fees: each trainer's rule (off for everyone until she sets it), one fee per invoice

Revision ID: d2a6f8c3b9e4
Revises: c9d4e7f2a5b8
Create Date: 2026-12-01 16:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2a6f8c3b9e4'
down_revision = 'c9d4e7f2a5b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('trainers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_fee_kind', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('late_fee_value', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('late_fee_after_days', sa.Integer(), server_default='7', nullable=False))
    op.create_table(
        'late_fees',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('line_id', sa.Integer(), nullable=True),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount_cents > 0', name='late_fee_positive'),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['line_id'], ['invoice_lines.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('invoice_id', name='uq_late_fees_invoice'))


def downgrade():
    op.drop_table('late_fees')
    with op.batch_alter_table('trainers', schema=None) as batch_op:
        batch_op.drop_column('late_fee_after_days')
        batch_op.drop_column('late_fee_value')
        batch_op.drop_column('late_fee_kind')
