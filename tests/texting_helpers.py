"""Sent invoices with their outbox rows, for the texting tests."""
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, OutboxMessage
from app.services.drafts import sync_drafts
from app.services.submit import submit_batch
from tests import factories


def submit_invoices(trainer, n_clients=1, **client_overrides):
    """n clients, one session each, submitted as one batch. Returns their outbox rows."""
    for i in range(n_clients):
        factories.make_session(factories.make_client(trainer, **client_overrides))
    sync_drafts(trainer.id)
    drafts = db.session.scalars(select(Invoice).where(Invoice.trainer_id == trainer.id,
                                                      Invoice.status == "draft")).all()
    submit_batch(trainer.id, f"key-{len(drafts)}-{drafts[0].id}", {d.id: d.version for d in drafts}, "test")
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.trainer_id == trainer.id)
                              .order_by(OutboxMessage.id)).all()
