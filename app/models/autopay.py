"""Auto-pay: a client's saved card, the one Stripe invoice that mirrors her open draft, and charge attempts.

Spotter's rows are the truth the trainer's pages read; Stripe's objects are kept in line with them by sync
jobs and webhooks, never read on page load.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class AutopayCard(db.Model):
    """The card a client saved on the trainer's connected account. Only Stripe's ids and what the card
    says about itself (brand, last 4, expiry) are kept: never a card number."""

    __tablename__ = "autopay_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(String(64))
    stripe_customer_id: Mapped[str] = mapped_column(String(64))
    stripe_payment_method_id: Mapped[str | None] = mapped_column(String(64))  # None: the card was removed
    brand: Mapped[str] = mapped_column(String(20), default="")
    last4: Mapped[str] = mapped_column(String(4), default="")
    exp_month: Mapped[int | None] = mapped_column(Integer)
    exp_year: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)  # the client's (or trainer's) on/off switch
    turned_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "2027-01": the expiry we last asked her to replace, so the expiring-card message goes once per card.
    expiry_notice_for: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StripeCurrentInvoice(db.Model):
    """The Stripe invoice that mirrors one Spotter invoice of an auto-pay client: its draft while the cycle
    runs (kept in line by diffing), then the finalized invoice that is charged."""

    __tablename__ = "stripe_current_invoices"
    __table_args__ = (
        CheckConstraint("state in ('draft', 'open', 'paid', 'void', 'uncollectible', 'fallback')",
                        name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(String(64))
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # None until created
    state: Mapped[str] = mapped_column(String(16), default="draft")
    synced_version: Mapped[int] = mapped_column(Integer, default=0)  # the Invoice.version last brought in line
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sync_error: Mapped[str] = mapped_column(String(300), default="")  # "" when the last sync worked
    hosted_invoice_url: Mapped[str | None] = mapped_column(String(500))
    fallback_reason: Mapped[str] = mapped_column(String(300), default="")  # why it went back to a pay link
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    charge_on: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the card will be charged
    retries_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChargeAttempt(db.Model):
    """One try at charging an auto-pay invoice. Attempt 1 is the charge at finalization; later ones follow
    the trainer's retry schedule. Unique per (invoice, attempt number), so a job replayed tries once."""

    __tablename__ = "charge_attempts"
    __table_args__ = (
        UniqueConstraint("invoice_id", "attempt_no", name="one_attempt_per_number"),
        CheckConstraint("outcome in ('scheduled', 'running', 'succeeded', 'failed', 'requires_action', "
                        "'cancelled')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    attempt_no: Mapped[int] = mapped_column(Integer)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="scheduled")
    decline_code: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")  # in plain words, for the trainer
    hard_decline: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
