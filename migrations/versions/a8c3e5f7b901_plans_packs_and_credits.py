"""plans and packs: the trainer's catalogue, prices by session length, and the credits a sold pack gives

`plans` has a `kind` column (only "pack" today) so a membership plan fits in later with columns of its own.
`credit_lots` is one row per sold pack line (unique), `credit_uses` one row per covered session (unique).
The two trainer settings get server defaults so existing trainers keep today's behaviour for no-shows
(a credit when a pack is there) and packs usable once sent. Columns are added in place (no batch copy of
`trainers` or `invoice_lines`, whose copy-and-drop on SQLite would cascade).

Revision ID: a8c3e5f7b901
Revises: f5b2d8e1c3a7
Create Date: 2026-12-01 16:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a8c3e5f7b901'
down_revision = 'f5b2d8e1c3a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('pack', name='plankind', native_enum=False, length=20), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('sessions_total', sa.Integer(), nullable=True),
        sa.Column('price_cents', sa.Integer(), nullable=False),
        sa.Column('valid_days', sa.Integer(), nullable=True),
        sa.Column('valid_from', sa.Enum('sale', 'first_use', name='validfrom', native_enum=False, length=20),
                  nullable=False),
        sa.Column('archived_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('price_cents >= 0', name='price_not_negative'),
        sa.CheckConstraint("kind != 'pack' OR sessions_total > 0", name='pack_has_sessions'),
        sa.CheckConstraint('valid_days IS NULL OR valid_days > 0', name='valid_days_positive'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_plans_trainer_id', 'plans', ['trainer_id'], unique=False)
    op.create_table(
        'duration_prices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('duration_minutes', sa.Integer(), nullable=False),
        sa.Column('price_cents', sa.Integer(), nullable=False),
        sa.CheckConstraint('price_cents >= 0', name='price_not_negative'),
        sa.CheckConstraint('duration_minutes > 0', name='duration_positive'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('trainer_id', 'duration_minutes', name='uq_duration_prices_trainer_minutes'),
    )
    # SQLite cannot add a column with a constraint in place, and a batch copy of invoice_lines is what the
    # note above avoids: there the column has no foreign key (a plan in use is never deleted, only archived).
    if op.get_bind().dialect.name == 'sqlite':
        op.add_column('invoice_lines', sa.Column('plan_id', sa.Integer(), nullable=True))
    else:
        op.add_column('invoice_lines', sa.Column('plan_id', sa.Integer(),
                                                 sa.ForeignKey('plans.id', ondelete='SET NULL',
                                                               name='fk_invoice_lines_plan_id'), nullable=True))
    op.create_table(
        'credit_lots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('invoice_line_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('sessions_total', sa.Integer(), nullable=False),
        sa.Column('price_cents', sa.Integer(), nullable=False),
        sa.Column('valid_days', sa.Integer(), nullable=True),
        sa.Column('valid_from', sa.Enum('sale', 'first_use', name='validfrom', native_enum=False, length=20),
                  nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=True),
        sa.Column('usable_from', sa.DateTime(), nullable=True),
        sa.Column('voided_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('sessions_total > 0', name='sessions_positive'),
        sa.CheckConstraint('price_cents >= 0', name='price_not_negative'),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invoice_line_id'], ['invoice_lines.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('invoice_line_id', name='uq_credit_lots_invoice_line'),
    )
    op.create_index('ix_credit_lots_client_id', 'credit_lots', ['client_id'], unique=False)
    op.create_index('ix_credit_lots_invoice_id', 'credit_lots', ['invoice_id'], unique=False)
    op.create_table(
        'credit_uses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainer_id', sa.Integer(), nullable=False),
        sa.Column('lot_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['trainer_id'], ['trainers.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['lot_id'], ['credit_lots.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('session_id', name='uq_credit_uses_session'),
    )
    op.create_index('ix_credit_uses_lot_id', 'credit_uses', ['lot_id'], unique=False)
    op.add_column('trainers', sa.Column('credits_usable_on', sa.String(length=10), server_default='sale',
                                        nullable=False))
    op.add_column('trainers', sa.Column('no_show_uses', sa.String(length=10), server_default='credit',
                                        nullable=False))


def downgrade():
    # Not in batch mode (see e2b9f6c3d8a4): SQLite 3.35+ drops a column in place.
    op.drop_column('trainers', 'no_show_uses')
    op.drop_column('trainers', 'credits_usable_on')
    op.drop_index('ix_credit_uses_lot_id', table_name='credit_uses')
    op.drop_table('credit_uses')
    op.drop_index('ix_credit_lots_invoice_id', table_name='credit_lots')
    op.drop_index('ix_credit_lots_client_id', table_name='credit_lots')
    op.drop_table('credit_lots')
    op.drop_column('invoice_lines', 'plan_id')
    op.drop_table('duration_prices')
    op.drop_index('ix_plans_trainer_id', table_name='plans')
    op.drop_table('plans')
