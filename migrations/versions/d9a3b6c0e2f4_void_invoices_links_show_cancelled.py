"""void invoices: their links open again, to say the invoice was cancelled

Voiding used to revoke the invoice's link (its revoked time was the void's own). Those links open
again, now to the page that says the invoice was cancelled. A link the trainer revoked herself,
before or after the void, stays revoked.

Revision ID: d9a3b6c0e2f4
Revises: c4d2e8b1f5a7
Create Date: 2026-12-01 15:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd9a3b6c0e2f4'
down_revision = 'c4d2e8b1f5a7'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE invoices SET link_revoked_at = NULL "
               "WHERE status = 'void' AND link_revoked_at = voided_at")


def downgrade():
    op.execute("UPDATE invoices SET link_revoked_at = voided_at "
               "WHERE status = 'void' AND link_revoked_at IS NULL")
