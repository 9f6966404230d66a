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
    # "membership" comes with its own columns (cycle, anchor, included, extra price, rollover).


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
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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
    name: Mapped[str] = mapped_column(String(100))
    sessions_total: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)
    valid_days: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[ValidFrom] = mapped_column(Enum(ValidFrom, native_enum=False, length=20))
    # The last day (trainer's time zone) it can be used; None: no expiry, or not yet used (from first use).
    expires_on: Mapped[date | None] = mapped_column(Date)
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
