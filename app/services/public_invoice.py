"""What the client sees behind the link: the invoice, how to pay it, and a record that she looked."""
from dataclasses import dataclass

from sqlalchemy import select, update

from app.extensions import db
from app.integrations.venmo import VenmoLinks, pay_links
from app.models import Invoice, InvoiceStatus, Payment, PaymentStatus, Trainer
from app.models.types import utcnow
from app.services.card_payments import card_payments_available
from app.services.invoice_numbers import format_invoice_number
from app.timefmt import local_today


@dataclass
class PublicInvoice:
    invoice: Invoice
    owner: Trainer
    status: str
    venmo: VenmoLinks | None
    card: bool
    venmo_reported: bool


def public_view(invoice: Invoice) -> PublicInvoice:
    owner = db.session.get(Trainer, invoice.trainer_id)
    payable = invoice.status == InvoiceStatus.open and invoice.due_cents > 0
    note = f"{format_invoice_number(invoice.number)} · {owner.business_name or owner.name}"
    reported = payable and db.session.scalar(select(Payment.id).where(
        Payment.invoice_id == invoice.id, Payment.reported_by_client,
        Payment.status == PaymentStatus.pending).limit(1)) is not None
    return PublicInvoice(
        invoice=invoice, owner=owner, status=invoice.display_status(local_today(owner.timezone)),
        venmo=pay_links(owner.venmo_handle, invoice.due_cents, note) if payable and owner.venmo_handle else None,
        card=payable and card_payments_available(owner), venmo_reported=reported)


def record_view(invoice_id: int) -> None:
    """One more view, counted in the database in one statement (no lost updates)."""
    db.session.execute(update(Invoice).where(Invoice.id == invoice_id)
                       .values(view_count=Invoice.view_count + 1, last_viewed_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.commit()
