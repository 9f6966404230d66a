"""trainers: a verified mobile number, and the codes texted to verify it

Clients are texted only once the trainer's own mobile is verified. Trainers already texting clients
when this runs (a mobile on file and at least one text the provider accepted) keep texting: their
number is marked verified now. Everyone else verifies with a code from Settings.

Revision ID: d7c4e1a9b2f5
Revises: d9a3b6c0e2f4
Create Date: 2026-12-01 12:43:29.325674

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7c4e1a9b2f5'
down_revision = 'd9a3b6c0e2f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('verification_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainer_id', sa.Integer(), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], name=op.f('fk_verification_codes_trainer_id_trainers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_codes'))
    )
    with op.batch_alter_table('verification_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_codes_trainer_id'), ['trainer_id'], unique=False)

    with op.batch_alter_table('trainers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile_verified_at', sa.DateTime(), nullable=True))

    # Stored as naive UTC, as the app's UTCDateTime columns are.
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.get_bind().execute(sa.text(
        "UPDATE trainers SET mobile_verified_at = :now WHERE mobile IS NOT NULL AND EXISTS ("
        " SELECT 1 FROM outbox_messages m WHERE m.trainer_id = trainers.id AND m.client_id IS NOT NULL"
        " AND m.status IN ('sent', 'delivered', 'undelivered'))"), {"now": now})


def downgrade():
    # Not in batch mode: on SQLite that copies `trainers` and drops the original, and with foreign keys on
    # the drop deletes every trainer's clients, invoices and texts (ON DELETE CASCADE). SQLite 3.35+ drops
    # a column in place.
    op.drop_column('trainers', 'mobile_verified_at')

    with op.batch_alter_table('verification_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_codes_trainer_id'))

    op.drop_table('verification_codes')

