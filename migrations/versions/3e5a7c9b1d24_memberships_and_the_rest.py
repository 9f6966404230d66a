"""Joins the memberships' migration to the rest: no change of its own.

Revision ID: 3e5a7c9b1d24
Revises: 2d4f6b8a0c13, c3f8a1d6e5b2
Create Date: 2026-12-01 18:00:00

"""

revision = '3e5a7c9b1d24'
down_revision = ('2d4f6b8a0c13', 'c3f8a1d6e5b2')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
