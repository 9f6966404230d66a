"""The trainer's catalogue (plans, prices by session length) and the session credits a pack sale gives."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class PlanKind(str, enum.Enum):
    pack = "pack"
    membership = "membership"  # with its own columns: cadence, anchor day, included, extra price, rollover


class ValidFrom(str, enum.Enum):
    sale = "sale"
    first_use = "first_use"


class Plan(db.Model):
    """Something the trainer sells. A plan in use is archived, never deleted; a sale copies what it
    needs (price, sessions, validity), so a later change to the plan touches only later sales."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("kind != 'pack' OR sessions_total > 0", name="pack_has_sessions"),
        CheckConstraint("valid_days IS NULL OR valid_days > 0", name="valid_days_positive"),
        CheckConstraint("kind != 'membership' OR cadence IS NOT NULL", name="membership_has_cadence"),
        CheckConstraint("anchor_day IS NULL OR anchor_day BETWEEN 1 AND 31", name="anchor_day_in_month"),
        CheckConstraint("included_sessions IS NULL OR included_sessions >= 0", name="included_not_negative"),
        CheckConstraint("extra_session_cents IS NULL OR extra_session_cents >= 0", name="extra_not_negative"),
        CheckConstraint("rollover_max >= 0", name="rollover_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PlanKind] = mapped_column(Enum(PlanKind, native_enum=False, length=20), default=PlanKind.pack)
    name: Mapped[str] = mapped_column(String(100))
    sessions_total: Mapped[int | None] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)
    # None: no expiry. Otherwise the days a pack is valid, counted from its sale or its first use.
    valid_days: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[ValidFrom] = mapped_column(Enum(ValidFrom, native_enum=False, length=20),
                                                  default=ValidFrom.sale)
    # Memberships: billed in advance per cycle (weekly, biweekly, or monthly on `anchor_day`), price_cents a
    # cycle; `included_sessions` per cycle (None: unlimited); a session beyond them costs `extra_session_cents`
    # (None: the session's own rate); up to `rollover_max` unused sessions carry into the next cycle.
    cadence: Mapped[str | None] = mapped_column(String(20))
    anchor_day: Mapped[int | None] = mapped_column(Integer)
    included_sessions: Mapped[int | None] = mapped_column(Integer)
    extra_session_cents: Mapped[int | None] = mapped_column(Integer)
    rollover_max: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_membership(self) -> bool:
        return self.kind == PlanKind.membership

    @property
    def is_unlimited(self) -> bool:
        return self.is_membership and self.included_sessions is None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class DurationPrice(db.Model):
    """The price of a session of one length (30, 45, 60, 90 minutes), instead of one rate for all."""

    __tablename__ = "duration_prices"
    __table_args__ = (
        UniqueConstraint("trainer_id", "duration_minutes", name="uq_duration_prices_trainer_minutes"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)


class CreditLot(db.Model):
    """The sessions one sold pack line gives the client: made once, when its invoice is finalized."""

    __tablename__ = "credit_lots"
    __table_args__ = (
        UniqueConstraint("invoice_line_id", name="uq_credit_lots_invoice_line"),
        CheckConstraint("sessions_total > 0", name="sessions_positive"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    invoice_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id", ondelete="SET NULL"))
    # A membership cycle's included sessions (its renewal line is invoice_line_id); None: a pack.
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    sessions_total: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)
    valid_days: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[ValidFrom] = mapped_column(Enum(ValidFrom, native_enum=False, length=20))
    # The last day (trainer's time zone) it can be used; None: no expiry, or not yet used (from first use).
    expires_on: Mapped[date | None] = mapped_column(Date)
    # The first day a session can take from it (a membership cycle's start); None: any day (a pack).
    starts_on: Mapped[date | None] = mapped_column(Date)
    # None until usable: on sale, or when its invoice is paid (the trainer's setting).
    usable_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uses: Mapped[list[CreditUse]] = relationship(back_populates="lot", order_by="CreditUse.id",
                                                 cascade="all, delete-orphan")

    @property
    def sessions_used(self) -> int:
        return len(self.uses)

    @property
    def sessions_left(self) -> int:
        return self.sessions_total - self.sessions_used


class CreditUse(db.Model):
    """One session covered by one credit of a lot. A session takes at most one credit."""

    __tablename__ = "credit_uses"
    __table_args__ = (UniqueConstraint("session_id", name="uq_credit_uses_session"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("credit_lots.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lot: Mapped[CreditLot] = relationship(back_populates="uses")
