from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String,
                        UniqueConstraint, cast, func, select, text)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.models.client import Client
from app.models.ledger import LedgerEntry
from app.models.payment import paid_on_invoice
from app.models.trainer import Trainer
from app.models.types import UTCDateTime, utcnow


class InvoiceStatus(str, enum.Enum):
    draft = "draft"
    open = "open"
    paid = "paid"
    void = "void"


class Invoice(db.Model):
    """A draft while the trainer adjusts it; open, paid or void once finalized."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("trainer_id", "number", name="uq_invoices_trainer_number"),
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
        # One draft per client: drafts are what the create-invoices page shows and edits.
        Index("uq_invoices_one_draft_per_client", "trainer_id", "client_id", unique=True,
              sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'")),
        Index("ix_invoices_trainer_status", "trainer_id", "status"),
        Index("ix_invoices_status_due_date", "status", "due_date"),  # the reminder tick's selection
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    status: Mapped[InvoiceStatus] = mapped_column(
        Enum(InvoiceStatus, native_enum=False, length=10), default=InvoiceStatus.draft)
    number: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    included: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # a sum: no 32-bit ceiling
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    # The public link is <public_id><mac>: the MAC needs SECRET_KEY, so a database copy cannot open it.
    public_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    link_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str] = mapped_column(String(200), default="")
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)  # this invoice's own off switch
    # Views counted before each view was kept as a row (invoice_views): only their number is known.
    earlier_view_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the trainer gave up collecting (a write-off closes the invoice); the ledger has its entry.
    written_off_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    written_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Read with the invoice in the same query, from its payments; never stored beside them.
    paid_cents: Mapped[int] = column_property(paid_on_invoice(id))
    # Of what was paid, the credit on account applied to it (at Send, or a credit given): read when shown.
    credit_applied_cents: Mapped[int] = column_property(
        select(cast(func.coalesce(func.sum(LedgerEntry.applied_cents), 0), BigInteger))
        .where(LedgerEntry.invoice_id == id, LedgerEntry.kind == "credit_applied")
        .correlate_except(LedgerEntry).scalar_subquery(), deferred=True)

    client: Mapped[Client] = relationship(lazy="joined", innerjoin=True)
    trainer: Mapped["Trainer"] = relationship(lazy="select", viewonly=True)
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.id", cascade="all, delete-orphan",
        foreign_keys="InvoiceLine.invoice_id")

    @property
    def live_lines(self) -> list[InvoiceLine]:
        return [line for line in self.lines if line.removed_at is None]

    @property
    def lines_sum_cents(self) -> int:
        return sum(line.amount_cents for line in self.live_lines)

    @property
    def due_cents(self) -> int:
        """What the client still owes: nothing on a void invoice."""
        if self.status == InvoiceStatus.void:
            return 0
        return max(self.total_cents - self.paid_cents - (self.written_off_cents or 0), 0)

    @property
    def money_paid_cents(self) -> int:
        """What was paid, less the credit on account applied to it (shown on its own line)."""
        return self.paid_cents - (self.credit_applied_cents or 0)

    @property
    def has_receipt(self) -> bool:
        """Paid, or open with something paid on it. A void invoice is owed a refund, not a receipt."""
        return self.status == InvoiceStatus.paid or (self.status == InvoiceStatus.open and self.paid_cents > 0)

    @property
    def session_count(self) -> int:
        return sum(1 for line in self.live_lines if line.session_id is not None)

    def is_overdue(self, today: date) -> bool:
        return self.status == InvoiceStatus.open and self.due_date is not None and self.due_date < today

    def display_status(self, today: date) -> str:
        return "overdue" if self.is_overdue(today) else self.status.value


class InvoiceLine(db.Model):
    """One session, fee, product or discount. A removed line is kept (hidden) so its session
    stays out of this draft."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        UniqueConstraint("invoice_id", "session_id", name="uq_invoice_lines_invoice_session"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("session_id IS NULL OR unit_price_cents >= 0", name="session_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_sessions.id", ondelete="SET NULL"),
                                                   index=True)
    description: Mapped[str] = mapped_column(String(200))
    service_date: Mapped[date | None] = mapped_column(Date)
    service_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the session's start
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    no_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    no_charge_reason: Mapped[str] = mapped_column(String(200), default="")
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A pack sold on this line: its credits are made when the invoice is finalized.
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    # A line carried over from a voided invoice into the client's new draft.
    from_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="lines", foreign_keys=[invoice_id])
    from_invoice: Mapped[Invoice | None] = relationship(foreign_keys=[from_invoice_id], viewonly=True)

    @property
    def amount_cents(self) -> int:
        return 0 if self.no_charge else self.quantity * self.unit_price_cents


class InvoiceEvent(db.Model):
    """The audit trail: who changed what on an invoice, when, from what, to what, and why."""

    __tablename__ = "invoice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"))
    line_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    from_value: Mapped[str] = mapped_column(String(300), default="")
    to_value: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Batch(db.Model):
    """One press of "Send N invoices". `submit_key` makes a repeated submit return this batch."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("trainer_id", "submit_key", name="uq_batches_trainer_submit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    submit_key: Mapped[str] = mapped_column(String(64))
    invoice_count: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
