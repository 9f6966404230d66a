"""Joins the API tokens' migration to the rest: no change of its own.

Revision ID: 4f6b8d0c2e35
Revises: 3e5a7c9b1d24, 3e7a1c9d5b20
Create Date: 2026-12-01 18:00:00

"""

revision = '4f6b8d0c2e35'
down_revision = ('3e5a7c9b1d24', '3e7a1c9d5b20')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
