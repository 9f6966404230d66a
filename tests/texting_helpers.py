"""Sent invoices with their outbox rows, for the texting tests."""
import secrets

from sqlalchemy import func, select

from app.extensions import db
from app.models import PENDING_STATUSES, OutboxMessage
from tests import factories
from tests.invoice_helpers import submit_drafts


def pending_texts() -> int:
    """Outbox rows not yet settled (queued or sending), fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status.in_(PENDING_STATUSES)))


def submit_invoices(trainer, n_clients=1, **client_overrides):
    """n clients, one session each, submitted as one batch. Returns their outbox rows."""
    for _ in range(n_clients):
        factories.make_session(factories.make_client(trainer, **client_overrides))
    submit_drafts(trainer.id, f"key-{secrets.token_hex(4)}")
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.trainer_id == trainer.id)
                              .order_by(OutboxMessage.id)).all()
