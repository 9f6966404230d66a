"""The client ledger: where a payment's money went (allocations) and every money movement (entries)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

# Kinds an event enters once per invoice, and once per payment (or credit).
# A write-off can come again when a refund reopens a written-off invoice; credit can be applied more than once.
ONCE_PER_INVOICE = ("invoice_charged", "invoice_voided")
ONCE_PER_PAYMENT = ("payment_received", "credit_issued", "payment_deleted")
KINDS = ONCE_PER_INVOICE + ONCE_PER_PAYMENT + ("refund", "credit_applied", "written_off")


def _kind_in(kinds: tuple[str, ...]):
    return text("kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")")


class PaymentAllocation(db.Model):
    """Part of a payment (or of a credit) applied to one invoice. Only money that arrived and was not
    deleted is allocated; what a payment has not allocated is the client's credit on account."""

    __tablename__ = "payment_allocations"
    __table_args__ = (UniqueConstraint("payment_id", "invoice_id", name="uq_payment_allocations_payment_invoice"),
                      CheckConstraint("amount_cents > 0", name="allocation_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerEntry(db.Model):
    """One money movement on a client's account, in signed cents: positive, the client owes more;
    negative, less. The balance is their sum. `credit_applied` moves credit onto an invoice: the
    balance does not change (its amount is 0) and `applied_cents` says how much was applied."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("uq_ledger_entries_invoice_event", "kind", "invoice_id", unique=True,
              sqlite_where=_kind_in(ONCE_PER_INVOICE), postgresql_where=_kind_in(ONCE_PER_INVOICE)),
        Index("uq_ledger_entries_payment_event", "kind", "payment_id", unique=True,
              sqlite_where=_kind_in(ONCE_PER_PAYMENT), postgresql_where=_kind_in(ONCE_PER_PAYMENT)),
        Index("ix_ledger_entries_client_occurred", "client_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("trainers.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    applied_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
