"""What the client sees behind the link: the invoice, what has been paid or reported, and how to pay."""
from dataclasses import dataclass

from sqlalchemy import Row, select

from app.extensions import db
from app.integrations.venmo import VenmoLinks, pay_links
from app.models import Invoice, InvoiceStatus, Payment, PaymentMethod, Trainer
from app.phones import display as display_phone, region_of
from app.services.card_payments import card_payments_available
from app.services.invoice_numbers import format_invoice_number
from app.services.payments import awaiting_confirmation, still_pending
from app.timefmt import local_today


@dataclass
class PublicInvoice:
    invoice: Invoice
    owner: Trainer
    status: str  # open, overdue, paid, void; "processing" while her bank debit clears, "reported" while her report waits
    venmo: VenmoLinks | None
    card: bool
    report: Row | None  # the payment she reported ("I've paid with Venmo"): its amount and time
    processing: bool
    owner_phone: str  # as written in the trainer's own country: the page is the same for every visitor


def public_view(invoice: Invoice) -> PublicInvoice:
    """The page's second read: the invoice's payments (the first brought the invoice itself)."""
    owner = invoice.trainer
    payments = _payments_of(invoice) if invoice.status == InvoiceStatus.open else []
    processing = any(p.pending and p.method == PaymentMethod.stripe for p in payments)  # a bank debit on its way
    report = next((p for p in reversed(payments) if p.awaiting), None)
    payable = invoice.status == InvoiceStatus.open and invoice.due_cents > 0 and not processing
    note = f"{format_invoice_number(invoice.number)} · {owner.display_name}"
    status = "processing" if processing else "reported" if report and payable else \
        invoice.display_status(local_today(owner.timezone))
    return PublicInvoice(
        invoice=invoice, owner=owner, status=status,
        venmo=pay_links(owner.venmo_handle, invoice.due_cents, note) if payable and owner.venmo_handle else None,
        card=payable and card_payments_available(owner), report=report if payable else None, processing=processing,
        owner_phone=display_phone(owner.mobile, region_of(owner.mobile)))


def _payments_of(invoice: Invoice) -> list[Row]:
    payments = Payment.__table__
    return db.session.execute(
        select(payments.c.method, payments.c.amount_cents, payments.c.created_at,
               still_pending().label("pending"), awaiting_confirmation().label("awaiting"))
        .where(payments.c.invoice_id == invoice.id, payments.c.deleted_at.is_(None)).order_by(payments.c.id)).all()
