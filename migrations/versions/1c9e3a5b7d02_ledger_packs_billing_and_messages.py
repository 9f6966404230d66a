"""Joins the messages' migrations (two channels, reminders, password resets, late fees) to the rest: no
change of its own.

Revision ID: 1c9e3a5b7d02
Revises: 0b7d2e4c6a81, d2a6f8c3b9e4
Create Date: 2026-12-01 17:25:00

"""

revision = '1c9e3a5b7d02'
down_revision = ('0b7d2e4c6a81', 'd2a6f8c3b9e4')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
