from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class MessageStatus(str, enum.Enum):
    queued = "queued"          # must be texted; a job has been (or will be) enqueued
    sending = "sending"        # claimed by a job; the request to the provider may be under way
    sent = "sent"              # accepted by the provider
    delivered = "delivered"
    undelivered = "undelivered"
    failed = "failed"
    unknown = "unknown"        # could not tell whether it went out; the trainer decides
    not_sent = "not_sent"      # the client cannot be texted (no consent, opted out, no number)


PENDING_STATUSES = {MessageStatus.queued, MessageStatus.sending}


class OutboxMessage(db.Model):
    """A text that must go out. The row is the record; the RQ job is only the wake-up."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_created", "status", "created_at"),
                      # Each send asks whether this is the first text to the number; reconciling asks
                      # what went to it lately.
                      Index("ix_outbox_messages_to_number_status", "to_number", "status"),
                      # The quotas count a trainer's texts of the last 24 hours.
                      Index("ix_outbox_messages_trainer_created", "trainer_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="invoice")
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, native_enum=False, length=12), default=MessageStatus.queued)
    to_number: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(String(1600), default="")
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(20))
    error_message: Mapped[str] = mapped_column(String(300), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES
