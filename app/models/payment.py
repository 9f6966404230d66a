from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, Enum, ForeignKey, Integer, String, UniqueConstraint,
                        cast, func, select)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.ledger import PaymentAllocation
from app.models.types import UTCDateTime, utcnow


class PaymentMethod(str, enum.Enum):
    cash = "cash"
    check = "check"
    venmo = "venmo"
    stripe = "stripe"
    other = "other"
    credit = "credit"  # a credit the trainer issued: no money arrived, but the client owes less


class PaymentStatus(str, enum.Enum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"
    refunded = "refunded"


COUNTED = (PaymentStatus.succeeded, PaymentStatus.refunded)  # money that arrived (some may have gone back since)


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    # The invoice it was recorded on; none for a payment (or credit) on account.
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(Enum(PaymentMethod, native_enum=False, length=10))
    status: Mapped[PaymentStatus] = mapped_column(
        Enum(PaymentStatus, native_enum=False, length=10), default=PaymentStatus.succeeded)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Card payments: one row per payment intent, whatever the number of webhook deliveries.
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255))
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Set when money came in that the invoice did not need (overpaid, void, already paid).
    refund_flag: Mapped[str] = mapped_column(String(200), default="")
    # A Venmo payment the client says they made: pending until the trainer confirms it.
    reported_by_client: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def paid_on_invoice(invoice_id):
    """SQL: what has been paid on an invoice, the money of its payment allocations (refunds take back
    what they reach of them). The one definition of "paid": Invoice.paid_cents and the client's page
    both read it."""
    allocations = PaymentAllocation.__table__
    paid = func.coalesce(func.sum(allocations.c.amount_cents), 0)
    return (select(cast(paid, BigInteger))  # PostgreSQL would hand back a sum of bigints as a numeric
            .where(allocations.c.invoice_id == invoice_id)
            .correlate_except(allocations).scalar_subquery())


class CheckoutAttempt(db.Model):
    """One press of "Pay by card": a Stripe Checkout Session on the trainer's account.
    `idempotency_key` is derived from the invoice and the attempt number, so a retried create
    after a dropped connection asks Stripe for the same session."""

    __tablename__ = "checkout_attempts"
    __table_args__ = (UniqueConstraint("invoice_id", "attempt_no", name="uq_checkout_attempts_invoice_attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    attempt_no: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    stripe_account_id: Mapped[str] = mapped_column(String(255))
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    url: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[str] = mapped_column(String(20), default="creating")  # creating|open|complete|expired
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StripeEvent(db.Model):
    """Every webhook event id, kept for good: an event is processed once, however often it comes."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    account: Mapped[str | None] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
