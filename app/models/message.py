from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, synonym

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class MessageStatus(str, enum.Enum):
    queued = "queued"          # must go out; a job has been (or will be) enqueued
    sending = "sending"        # claimed by a job; the request to the provider may be under way
    sent = "sent"              # accepted by the provider
    delivered = "delivered"
    undelivered = "undelivered"
    failed = "failed"
    unknown = "unknown"        # could not tell whether it went out; the trainer decides
    not_sent = "not_sent"      # the client cannot be reached on this channel (no consent, opted out, no address)


PENDING_STATUSES = {MessageStatus.queued, MessageStatus.sending}
SMS, EMAIL = "sms", "email"
CHANNELS = (SMS, EMAIL)
# The kinds of message; each has its wording in app/templates/messages/<kind>.*
KINDS = ("invoice", "reminder", "receipt", "payment_failed", "card_update", "autopay_setup", "ready_for_review", "verification",
         "password_reset")


class OutboxMessage(db.Model):
    """One message of one kind on one channel (sms or email) to one address. The row is the record;
    the RQ job is only the wake-up. `dedupe_key` names the event a message is for (a reminder step, a
    payment's receipt): the database keeps one message per event and channel."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_created", "status", "created_at"),
                      # Each send asks whether this is the first text to the number; reconciling asks
                      # what went to it lately.
                      Index("ix_outbox_messages_address_status", "address", "status"),
                      UniqueConstraint("channel", "dedupe_key", name="uq_outbox_messages_channel_dedupe_key"),
                      CheckConstraint("channel IN ('sms', 'email')", name="outbox_channel_known"),
                      # The quotas count a trainer's texts of the last 24 hours.
                      Index("ix_outbox_messages_trainer_created", "trainer_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="invoice")
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, native_enum=False, length=12), default=MessageStatus.queued)
    channel: Mapped[str] = mapped_column(String(5), default=SMS)
    address: Mapped[str | None] = mapped_column(String(254))  # E.164 number for sms, mailbox for email
    to_number = synonym("address")
    dedupe_key: Mapped[str | None] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # the text, or an email's text part
    # Not before this moment (quiet hours in the client's time zone); None: at once.
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
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
    def is_email(self) -> bool:
        return self.channel == EMAIL

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def is_held(self) -> bool:
        """Queued, and waiting for the end of the client's quiet hours (her next 08:00)."""
        return (self.status == MessageStatus.queued and self.send_after is not None
                and self.send_after > utcnow())
