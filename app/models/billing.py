"""Billing on a schedule: the trainer's billing day and time, and one run per billing period."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

LAST_DAY = 31  # month_day of "the last day of the month": the 31st, or the month's last day when shorter


class BillingSchedule(db.Model):
    """When the trainer bills: every week on a weekday, every 2 weeks, or monthly on a day, at a time of
    day in her time zone. One row per trainer; no row means she bills on demand only."""

    __tablename__ = "billing_schedules"
    __table_args__ = (
        CheckConstraint("cadence in ('weekly', 'biweekly', 'monthly')", name="cadence_known"),
        CheckConstraint("at_minute between 0 and 1439", name="at_minute_in_day"),
        CheckConstraint("(cadence = 'monthly' and (month_day between 1 and 28 or month_day = 31)) or "
                        "(cadence != 'monthly' and month_day is null)", name="month_day_in_range"),
    )

    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), primary_key=True)
    cadence: Mapped[str] = mapped_column(String(10))
    # Weekly and every 2 weeks: the first billing date (its weekday, and which week of two).
    anchor_date: Mapped[date | None] = mapped_column(Date)
    month_day: Mapped[int | None] = mapped_column(Integer)
    at_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    # True: drafts wait for her review and she is texted; False: they are sent by themselves.
    review: Mapped[bool] = mapped_column(Boolean, default=True)
    # Billing times before this (the schedule was set or changed) are not due.
    active_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BillingRun(db.Model):
    """One scheduled billing of one trainer for one period: never two for the same period."""

    __tablename__ = "billing_runs"
    __table_args__ = (
        UniqueConstraint("trainer_id", "period_start", name="uq_billing_runs_trainer_period"),
        CheckConstraint("status in ('queued', 'running', 'done', 'failed')", name="status_known"),
        Index("ix_billing_runs_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # the billing date: the period is [start, end)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    review: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(300), default="")
    invoice_count: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    trainer = relationship("Trainer", lazy="joined")
