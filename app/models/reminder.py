"""Reminders: each trainer's schedule, and one row per (invoice, step) that went out."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

MAX_STEPS = 5
DEFAULT_STEPS = ((0, True), (3, True), (7, True))  # on the due date, 3 and 7 days after
EARLIEST_DAYS, LATEST_DAYS = -30, 90


class ReminderStep(db.Model):
    """One step of a trainer's schedule: `days_after_due` days after the due date (negative: before)."""

    __tablename__ = "reminder_steps"
    __table_args__ = (UniqueConstraint("trainer_id", "days_after_due", name="uq_reminder_steps_trainer_day"),
                      CheckConstraint(f"days_after_due BETWEEN {EARLIEST_DAYS} AND {LATEST_DAYS}",
                                      name="reminder_step_days_in_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    days_after_due: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class ReminderSend(db.Model):
    """A step of an invoice's schedule taken: never twice, whatever the clocks do. `message_key` is the
    outbox rows' dedupe key (one reminder per client per day, covering each invoice it names)."""

    __tablename__ = "reminder_sends"
    __table_args__ = (UniqueConstraint("invoice_id", "days_after_due", name="uq_reminder_sends_invoice_step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    days_after_due: Mapped[int] = mapped_column(Integer)
    local_day: Mapped[date] = mapped_column(Date)
    message_key: Mapped[str] = mapped_column(String(80), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LateFee(db.Model):
    """The late fee added to an invoice (a line on it): once per invoice, whatever the clocks do."""

    __tablename__ = "late_fees"
    __table_args__ = (UniqueConstraint("invoice_id", name="uq_late_fees_invoice"),
                      CheckConstraint("amount_cents > 0", name="late_fee_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id", ondelete="SET NULL"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
