"""Joins the ledger's and the packs' migrations, which both follow f5b2d8e1c3a7: no change of its own.

Revision ID: 7fcdd9daf20e
Revises: a1f3c5e7b9d2, a8c3e5f7b901
Create Date: 2026-12-01 16:37:10.366026

"""

revision = '7fcdd9daf20e'
down_revision = ('a1f3c5e7b9d2', 'a8c3e5f7b901')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
