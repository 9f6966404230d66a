"""invoice lines: the session's start time, so a draft line shows the time of day

Revision ID: b7e4f1a2c903
Revises: a3d9c2e7b410
Create Date: 2026-12-01 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e4f1a2c903'
down_revision = 'a3d9c2e7b410'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_starts_at', sa.DateTime(), nullable=True))
    # Lines written before this revision take the start of the session they bill.
    op.execute("UPDATE invoice_lines SET service_starts_at = (SELECT training_sessions.starts_at "
               "FROM training_sessions WHERE training_sessions.id = invoice_lines.session_id) "
               "WHERE session_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_column('service_starts_at')
