"""What the client sees behind the link: the invoice, how it was paid or can be, and who to ask."""
from dataclasses import dataclass, field

from sqlalchemy import Row, bindparam, select

from app.extensions import db
from app.integrations.venmo import pay_link
from app.models import Invoice, InvoiceStatus, Payment, PaymentAllocation, PaymentMethod, Trainer
from app.phones import display as display_phone, region_of
from app.services import autopay_cards, autopay_cycle, memberships, packs
from app.services.card_payments import card_payments_available
from app.services.invoice_numbers import format_invoice_number
from app.services.payments import COUNTED, awaiting_confirmation, still_pending
from app.timefmt import local_today


@dataclass
class PublicInvoice:
    invoice: Invoice
    owner: Trainer
    # open, overdue, paid, void; "nothing_to_pay" when every line is complimentary, "processing" while
    # her bank debit clears, "reported" while the payment she reported waits for the trainer
    status: str
    venmo_url: str | None  # the app's link on a phone, Venmo's web page elsewhere
    card: bool
    report: Row | None  # the payment she reported ("I've paid with Venmo"): its amount and time
    processing: bool
    paid_with: list[Row]  # the payments that count: how much, how and when
    text_number: str  # the trainer's mobile as she writes it, if she lets clients text her; else ""
    packs: list = field(default_factory=list)  # her packs in use: sessions left and expiry
    membership_periods: list = field(default_factory=list)  # per period billed: its dates and sessions
    autopay_card: object | None = None  # her card while auto-pay is on (AutopayCard): "Turn auto-pay off"
    charge_note: object = None  # auto-pay: "Visa •4242 on Dec 1", the card charged and the day


def public_view(invoice: Invoice, on_phone: bool) -> PublicInvoice:
    """The page's second read: the invoice's payments (the first brought the invoice itself)."""
    owner = invoice.trainer
    payments = _payments_of(invoice) if invoice.status in (InvoiceStatus.open, InvoiceStatus.paid) else []
    processing = invoice.status == InvoiceStatus.open and any(  # a bank debit on its way
        p.pending and p.method == PaymentMethod.stripe for p in payments)
    report = next((p for p in reversed(payments) if p.awaiting), None)
    payable = invoice.status == InvoiceStatus.open and invoice.due_cents > 0 and not processing
    note = f"{format_invoice_number(invoice.number)} · {owner.display_name}"
    # Auto-pay needs her connected account: without one, no query is spent on it; with one, one.
    card = autopay_cards.active_card(invoice.client_id) \
        if invoice.status != InvoiceStatus.void and owner.stripe_account_id else None
    return PublicInvoice(
        invoice=invoice, owner=owner, status=_status(invoice, owner, processing, report is not None and payable),
        venmo_url=pay_link(owner.venmo_handle, invoice.due_cents, note, in_app=on_phone)
        if payable and owner.venmo_handle else None,
        card=payable and card_payments_available(owner), report=report if payable else None, processing=processing,
        paid_with=[p for p in payments if p.status in COUNTED and p.amount_cents > p.refunded_cents],
        # As written in her own country: the page reads the same to every visitor.
        text_number=display_phone(owner.mobile, region_of(owner.mobile)) if owner.clients_may_text and owner.mobile else "",
        packs=packs.invoice_packs(invoice) if invoice.status != InvoiceStatus.void else [],
        membership_periods=memberships.invoice_membership_periods(invoice),
        autopay_card=card, charge_note=autopay_cycle.charge_note(invoice, card) if payable and card else None)


def _status(invoice: Invoice, owner: Trainer, processing: bool, reported: bool) -> str:
    if invoice.status == InvoiceStatus.paid and invoice.total_cents == 0:
        return "nothing_to_pay"
    if processing:
        return "processing"
    return "reported" if reported else invoice.display_status(local_today(owner.timezone))


_payments = Payment.__table__
# Built once: every visit runs this same statement.
_PAYMENTS_OF_INVOICE = select(
    _payments.c.method, _payments.c.status, _payments.c.amount_cents, _payments.c.refunded_cents,
    _payments.c.received_on, _payments.c.created_at,
    still_pending().label("pending"), awaiting_confirmation().label("awaiting"),
).where((_payments.c.invoice_id == bindparam("invoice_id"))
        | _payments.c.id.in_(select(PaymentAllocation.payment_id)
                             .where(PaymentAllocation.invoice_id == bindparam("invoice_id"))),
        _payments.c.method != PaymentMethod.credit.value,  # shown as "Credit applied" instead
        _payments.c.deleted_at.is_(None)).order_by(_payments.c.id)


def _payments_of(invoice: Invoice) -> list[Row]:
    return db.session.execute(_PAYMENTS_OF_INVOICE, {"invoice_id": invoice.id}).all()
