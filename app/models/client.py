from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Client(db.Model):
    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint("default_rate_cents IS NULL OR default_rate_cents >= 0",
                        name="default_rate_not_negative"),
        CheckConstraint("channels IN ('text', 'email', 'both')", name="client_channels_known"),
        UniqueConstraint("billing_page_id", name="uq_clients_billing_page_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    default_rate_cents: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why texts to this number cannot go out (invalid, landline, unreachable), if the provider said so.
    mobile_problem: Mapped[str | None] = mapped_column(String(200))
    # How invoices and reminders reach the client: "text", "email" or "both"; email is also the
    # fallback when a text cannot go.
    channels: Mapped[str] = mapped_column(String(5), default="text")
    email_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: the trainer's
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Her billing page's link is <billing_page_id><mac> (app/services/links.py); None until first shared.
    billing_page_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
