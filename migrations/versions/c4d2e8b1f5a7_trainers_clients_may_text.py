"""trainers: whether clients may text her (her mobile on their invoice pages)

Off for every trainer until she turns it on in Settings. The column is added in place, never by
copying `trainers`: with SQLite's foreign keys on, dropping the old copy would delete her clients,
sessions and invoices.

Revision ID: c4d2e8b1f5a7
Revises: b7e4f1a9c2d3
Create Date: 2026-12-01 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d2e8b1f5a7'
down_revision = 'b7e4f1a9c2d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('trainers', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('clients_may_text', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('trainers', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('clients_may_text')
