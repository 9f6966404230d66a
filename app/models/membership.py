"""A client's membership of a plan, and the cycles it was billed for (each exactly once)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.plan import Plan
from app.models.types import UTCDateTime, utcnow

ACTIVE, PAUSED, CANCELLED = "active", "paused", "cancelled"


class Membership(db.Model):
    """One client on one membership plan. A client has at most one membership that is not cancelled
    (a unique index): a change of plan is a change of this row, not a second membership.

    `anchor_on` is the date the cycles count from: for weekly and two-weekly plans the first cycle's
    start, for monthly ones only its day of the month counts. `next_renewal_on` is the start of the
    next cycle to bill (None: it renews no more, cancelled)."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index("uq_memberships_one_live_per_client", "client_id", unique=True,
              sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),
        CheckConstraint("status IN ('active', 'paused', 'cancelled')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    anchor_on: Mapped[date] = mapped_column(Date)
    started_on: Mapped[date] = mapped_column(Date)
    next_renewal_on: Mapped[date | None] = mapped_column(Date, index=True)
    paused_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # cancelled: its last day is the day before
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship()


class MembershipCycle(db.Model):
    """One billed cycle: unique per (membership, cycle start), so a cycle is billed once whatever runs it
    (the page, a job, the clock, twice at once). `charged_cents` is what its lines charged (a prorated
    first cycle, plus the new part of an upgrade), `credited_cents` what was credited back for it: a credit
    never takes it below zero."""

    __tablename__ = "membership_cycles"
    __table_args__ = (
        UniqueConstraint("membership_id", "cycle_start", name="uq_membership_cycles_start"),
        CheckConstraint("cycle_end > cycle_start", name="cycle_not_empty"),
        CheckConstraint("credited_cents >= 0 AND credited_cents <= charged_cents", name="credit_within_charge"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    cycle_start: Mapped[date] = mapped_column(Date)
    cycle_end: Mapped[date] = mapped_column(Date)
    price_cents: Mapped[int] = mapped_column(Integer)  # the full cycle's price at the plan it is on now
    charged_cents: Mapped[int] = mapped_column(Integer, default=0)
    credited_cents: Mapped[int] = mapped_column(Integer, default=0)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
    invoice_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
