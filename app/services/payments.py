"""Payments against an invoice; an invoice is paid when succeeded payments cover its total."""
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentStatus
from app.models.types import utcnow
from app.money import format_cents
from app.services import ServiceError
from app.services.audit import record_event
from app.tenancy import find_owned

METHOD_LABELS = {PaymentMethod.cash: "Cash", PaymentMethod.check: "Check", PaymentMethod.venmo: "Venmo",
                 PaymentMethod.stripe: "Card (Stripe)", PaymentMethod.other: "Other"}
MANUAL_METHODS = (PaymentMethod.cash, PaymentMethod.check, PaymentMethod.venmo, PaymentMethod.other)


def refresh_paid_status(invoice: Invoice) -> None:
    """Recomputes what has been paid and moves the invoice between open and paid accordingly."""
    invoice.paid_cents = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.invoice_id == invoice.id, Payment.status == PaymentStatus.succeeded,
            Payment.deleted_at.is_(None))) or 0
    if invoice.status == InvoiceStatus.open and invoice.paid_cents >= invoice.total_cents:
        invoice.status, invoice.paid_at = InvoiceStatus.paid, utcnow()
    elif invoice.status == InvoiceStatus.paid and invoice.paid_cents < invoice.total_cents:
        invoice.status, invoice.paid_at = InvoiceStatus.open, None


def record_manual_payment(trainer_id: int, invoice_id: int, actor: str, *, amount_cents: int,
                          method: PaymentMethod, received_on: date, note: str = "") -> Payment:
    invoice = find_owned(Invoice, trainer_id, invoice_id)
    if invoice.status not in (InvoiceStatus.open, InvoiceStatus.paid):
        raise ServiceError("Payments can only be recorded on a sent invoice.")
    if amount_cents <= 0:
        raise ServiceError("The amount must be more than zero.", "amount")
    if method not in MANUAL_METHODS:
        raise ServiceError("Pick cash, check, Venmo or other.", "method")
    payment = Payment(trainer_id=trainer_id, invoice_id=invoice.id, method=method, amount_cents=amount_cents,
                      received_on=received_on, note=(note or "").strip()[:200], recorded_by=actor,
                      status=PaymentStatus.succeeded)
    db.session.add(payment)
    db.session.flush()
    record_event(invoice.id, trainer_id, actor, "payment_recorded",
                 to_value=f"{format_cents(amount_cents, invoice.currency)} · {METHOD_LABELS[method]}",
                 reason=payment.note)
    refresh_paid_status(invoice)
    db.session.commit()
    return payment


def delete_payment(trainer_id: int, invoice_id: int, payment_id: int, actor: str, reason: str = "") -> None:
    """Takes a payment off the invoice; the row stays, marked deleted, for the history."""
    invoice = find_owned(Invoice, trainer_id, invoice_id)
    payment = db.session.scalar(select(Payment).where(Payment.id == payment_id, Payment.invoice_id == invoice.id,
                                                      Payment.trainer_id == trainer_id))
    if payment is None or payment.deleted_at is not None:
        raise LookupError(payment_id)
    if payment.method == PaymentMethod.stripe:
        raise ServiceError("Card payments are refunded in Stripe, not deleted here.")
    payment.deleted_at = utcnow()
    record_event(invoice.id, trainer_id, actor, "payment_deleted",
                 from_value=f"{format_cents(payment.amount_cents, invoice.currency)} · {METHOD_LABELS[payment.method]}",
                 reason=(reason or "").strip()[:200])
    refresh_paid_status(invoice)
    db.session.commit()


def payments_for(invoice_id: int) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.invoice_id == invoice_id)
                                   .order_by(Payment.created_at)))
