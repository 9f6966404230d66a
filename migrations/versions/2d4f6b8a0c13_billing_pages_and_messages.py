"""Joins the client billing page's migration to the messages' line: no change of its own.

Revision ID: 2d4f6b8a0c13
Revises: 1c9e3a5b7d02, 5c1e9a7d3b20
Create Date: 2026-12-01 17:50:00

"""

revision = '2d4f6b8a0c13'
down_revision = ('1c9e3a5b7d02', '5c1e9a7d3b20')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
