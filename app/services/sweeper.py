"""The outbox sweeper: nothing lost when Redis or a worker dies.

Runs every minute. Rows still queued long after they were written lost their job (Redis
flushed or restarted, an enqueue that failed after the commit): they are enqueued again.
Rows still "sending" past the job timeout belong to a job that died mid-send: they are
reconciled against the provider, never resent blindly.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from app.extensions import db
from app.models import MessageStatus, OutboxMessage
from app.models.types import utcnow
from app.services.outbox import enqueue_messages
from app.services.texting import RetryLater, reconcile_message

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class SweepResult:
    reenqueued: int
    reconciled: int


def sweep_outbox(reenqueue_after: int | None = None, stuck_after: int | None = None) -> SweepResult:
    config = current_app.config
    now = utcnow()
    reenqueue_after = config["SEND_REENQUEUE_AFTER_SECONDS"] if reenqueue_after is None else reenqueue_after
    stuck_after = config["SEND_STUCK_AFTER_SECONDS"] if stuck_after is None else stuck_after

    waiting = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == MessageStatus.queued,
        or_(OutboxMessage.send_after.is_(None), OutboxMessage.send_after <= now),  # quiet hours end
        OutboxMessage.updated_at <= now - timedelta(seconds=reenqueue_after)).order_by(OutboxMessage.id).limit(BATCH)))
    if waiting:
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(waiting),
                                                       OutboxMessage.status == MessageStatus.queued)
                           .values(updated_at=now).execution_options(synchronize_session=False))
        db.session.commit()
        enqueue_messages(waiting)

    stuck = list(db.session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.status == MessageStatus.sending,
        OutboxMessage.claimed_at <= now - timedelta(seconds=stuck_after)).order_by(OutboxMessage.id).limit(BATCH)))
    for message_id in stuck:
        try:
            reconcile_message(message_id)
        except RetryLater:
            pass  # handed back as queued; the next sweep or its retry picks it up
    if waiting or stuck:
        log.info("outbox sweep: %d re-enqueued, %d reconciled", len(waiting), len(stuck))
    return SweepResult(len(waiting), len(stuck))
