"""invoice views: one row per view of the client's link

Each view of an invoice's link becomes a row (when, and the kind of device). What the old schema
kept, a count and the time of the last view, is carried over: the last view becomes a row at its
time (device not known), and the views before it, whose times were never kept, stay a number on
the invoice (`earlier_view_count`). Downgrading folds the rows back into a count and a last time.

`invoices` is altered in place (SQLite 3.35+ renames and drops columns), never copied: with SQLite's
foreign keys on, dropping the old copy of a table deletes the rows that refer to it (its lines and
payments, and these views).

Revision ID: b7e4f1a9c2d3
Revises: 15e32b0782d4
Create Date: 2026-12-01 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e4f1a9c2d3'
down_revision = '15e32b0782d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoice_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('trainer_id', sa.Integer(), nullable=False),
    sa.Column('viewed_at', sa.DateTime(), nullable=False),
    sa.Column('device', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_views_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], name=op.f('fk_invoice_views_trainer_id_trainers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_views'))
    )
    with op.batch_alter_table('invoice_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_views_invoice_id'), ['invoice_id'], unique=False)

    op.execute("INSERT INTO invoice_views (invoice_id, trainer_id, viewed_at, device) "
               "SELECT id, trainer_id, last_viewed_at, '' FROM invoices WHERE last_viewed_at IS NOT NULL")
    op.execute("UPDATE invoices SET view_count = view_count - 1 WHERE last_viewed_at IS NOT NULL AND view_count > 0")
    with op.batch_alter_table('invoices', schema=None, recreate='never') as batch_op:
        batch_op.alter_column('view_count', new_column_name='earlier_view_count', existing_type=sa.Integer(),
                              existing_nullable=False, existing_server_default='0')
        batch_op.drop_column('last_viewed_at')


def downgrade():
    with op.batch_alter_table('invoices', schema=None, recreate='never') as batch_op:
        batch_op.alter_column('earlier_view_count', new_column_name='view_count', existing_type=sa.Integer(),
                              existing_nullable=False, existing_server_default='0')
        batch_op.add_column(sa.Column('last_viewed_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE invoices SET "
               "view_count = view_count + (SELECT COUNT(*) FROM invoice_views v WHERE v.invoice_id = invoices.id), "
               "last_viewed_at = (SELECT MAX(v.viewed_at) FROM invoice_views v WHERE v.invoice_id = invoices.id)")

    with op.batch_alter_table('invoice_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_views_invoice_id'))
    op.drop_table('invoice_views')
