"""What the client sees behind the link: the invoice and how to pay it."""
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.integrations.venmo import VenmoLinks, pay_links
from app.models import Invoice, InvoiceStatus, Payment, PaymentMethod, Trainer
from app.phones import display as display_phone, region_of
from app.services.card_payments import card_payments_available
from app.services.invoice_numbers import format_invoice_number
from app.services.payments import still_pending
from app.timefmt import local_today


@dataclass
class PublicInvoice:
    invoice: Invoice
    owner: Trainer
    status: str
    venmo: VenmoLinks | None
    card: bool
    venmo_reported: bool
    processing: bool
    owner_phone: str  # as written in the trainer's own country: the page is the same for every visitor


def public_view(invoice: Invoice) -> PublicInvoice:
    owner = invoice.trainer
    payable = invoice.status == InvoiceStatus.open and invoice.due_cents > 0
    note = f"{format_invoice_number(invoice.number)} · {owner.display_name}"
    pending = set(db.session.scalars(select(Payment.method).where(
        Payment.invoice_id == invoice.id, still_pending()))) if payable else set()
    processing = PaymentMethod.stripe in pending  # a bank debit on its way: no second payment now
    payable = payable and not processing
    reported = payable and PaymentMethod.venmo in pending
    return PublicInvoice(
        invoice=invoice, owner=owner, status=invoice.display_status(local_today(owner.timezone)),
        venmo=pay_links(owner.venmo_handle, invoice.due_cents, note) if payable and owner.venmo_handle else None,
        card=payable and card_payments_available(owner), venmo_reported=reported, processing=processing,
        owner_phone=display_phone(owner.mobile, region_of(owner.mobile)))
