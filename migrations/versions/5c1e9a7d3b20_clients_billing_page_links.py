"""clients: a billing page link of their own

A client's billing page opens with `<billing_page_id><mac>`, like an invoice's link: 128 random bits
stored here, and an HMAC of them under SECRET_KEY stored nowhere. Empty until the trainer first sends
or shares the link; revoking it writes a new id, and the old link opens nothing.

Revision ID: 5c1e9a7d3b20
Revises: 0b7d2e4c6a81
Create Date: 2026-12-01 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c1e9a7d3b20'
down_revision = '0b7d2e4c6a81'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("billing_page_id", sa.String(32), nullable=True))
        batch.create_unique_constraint("uq_clients_billing_page_id", ["billing_page_id"])


def downgrade():
    with op.batch_alter_table("clients") as batch:
        batch.drop_constraint("uq_clients_billing_page_id", type_="unique")
        batch.drop_column("billing_page_id")
