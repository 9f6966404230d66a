"""Joins the billing schedule's migration to the ledger's and the packs': no change of its own.

Revision ID: 0b7d2e4c6a81
Revises: 7fcdd9daf20e, a8e3c5d1f902
Create Date: 2026-12-01 16:50:00

"""

revision = '0b7d2e4c6a81'
down_revision = ('7fcdd9daf20e', 'a8e3c5d1f902')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
