from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.client import Client
from app.models.types import UTCDateTime, utcnow


class SessionStatus(str, enum.Enum):
    completed = "completed"
    no_show = "no_show"
    cancelled = "cancelled"


class TrainingSession(db.Model):
    """A session the trainer held (or that the client missed). Named so it is never mistaken
    for the database session or the log-in session."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("rate_cents >= 0", name="rate_not_negative"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        Index("ix_training_sessions_trainer_starts", "trainer_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    rate_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[SessionStatus] = mapped_column(
        Enum(SessionStatus, native_enum=False, length=20), default=SessionStatus.completed
    )
    no_show_chargeable: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(String(500), default="")
    # Set when the session is billed on a finalized invoice; cleared if that invoice is voided.
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship(lazy="joined")
    invoice: Mapped["Invoice | None"] = relationship(viewonly=True)  # noqa: F821  (app.models.invoice)

    # Set by the session lists (services.sessions.with_billed_lines): its line on an invoice or draft.
    billed_line = None
    # Set there too: the name of the pack whose credit it took, if it took one.
    covered_by = None

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_invoiced(self) -> bool:
        return self.invoice_id is not None

    @property
    def is_upcoming(self) -> bool:
        return self.starts_at > utcnow()

    # The one definition of what gets billed, for an object (Python) and in queries (SQL): the two
    # bodies stand side by side so they cannot drift apart (tests compare them on every case).
    @hybrid_property
    def is_chargeable(self) -> bool:
        """Its outcome is charged for: held, or a no-show the trainer charges."""
        return self.status == SessionStatus.completed or (
            self.status == SessionStatus.no_show and bool(self.no_show_chargeable))

    @is_chargeable.inplace.expression
    @classmethod
    def _is_chargeable_sql(cls):
        return (cls.status == SessionStatus.completed) | (
            (cls.status == SessionStatus.no_show) & cls.no_show_chargeable)

    @hybrid_property
    def is_billable(self) -> bool:
        """Chargeable and already started: an upcoming session is not billed until it has happened."""
        return self.is_chargeable and self.starts_at <= utcnow()

    @is_billable.inplace.expression
    @classmethod
    def _is_billable_sql(cls):
        return cls.is_chargeable & (cls.starts_at <= utcnow())
