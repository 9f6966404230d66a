"""A client's own billing page, behind a link of her own (`/b/<token>`): what she owes and on which
invoices, her balance and credit on account, her packs, and the payments she made. Read in a fixed
number of queries, however many invoices and payments she has.

Sent on request: the trainer texts the link from the client's page (one text per request, with the
same quotas, consent rules and resend interval as an invoice's text), or copies it to share herself."""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Row, select

from app.extensions import db
from app.models import Client, Invoice, InvoiceStatus, OutboxMessage, Payment, PaymentMethod, Trainer
from app.models.message import PENDING_STATUSES
from app.models.payment import COUNTED
from app.models.types import utcnow
from app.phones import display as display_phone, region_of
from app.services import ServiceError, ledger, packs
from app.services.links import billing_page_url, ensure_billing_page_link
from app.services.outbox import enqueue_messages, new_message
from app.services.text_quota import billing_link_allowed_at, quota_for_new_texts
from app.services.wording import sms_wordings
from app.sms_text import first_that_fits
from app.tenancy import require_owned
from app.timefmt import local_today

PAYMENTS_SHOWN = 50  # the latest payments; the statement the trainer keeps has them all


class LinkTextedTooSoon(ServiceError):
    """The billing page link was texted less than RESEND_MIN_INTERVAL_SECONDS ago."""

    def __init__(self, allowed_at: datetime):
        super().__init__("The billing page link was texted a few minutes ago. Text it again later.")
        self.allowed_at = allowed_at


@dataclass
class BillingPage:
    client: Client
    owner: Trainer
    today: date
    open_invoices: list[Invoice]  # sent, with something still due, oldest first
    balance_cents: int  # the sum of her account's entries: negative when she is in credit
    credit_cents: int  # paid (or credited) and not yet taken by an invoice
    packs: list = field(default_factory=list)  # packs.PackBalance in use: sessions left and expiry
    payments: list[Row] = field(default_factory=list)  # newest first: amount, method, day
    text_number: str = ""  # the trainer's mobile as she writes it, if she lets clients text her
    membership: object | None = None  # filled in once memberships exist; the page's section is empty until then

    @property
    def due_cents(self) -> int:
        return sum(invoice.due_cents for invoice in self.open_invoices)

    @property
    def overdue(self) -> bool:
        return any(invoice.is_overdue(self.today) for invoice in self.open_invoices)


_payments = Payment.__table__
_PAYMENTS_OF_CLIENT = (
    select(_payments.c.id, _payments.c.method, _payments.c.status, _payments.c.amount_cents,
           _payments.c.refunded_cents, _payments.c.received_on, Invoice.number.label("invoice_number"))
    .outerjoin(Invoice, Invoice.id == _payments.c.invoice_id)
    .where(_payments.c.method != PaymentMethod.credit.value,  # a credit given is not a payment she made
           _payments.c.status.in_([s.value for s in COUNTED]), _payments.c.deleted_at.is_(None))
    .order_by(_payments.c.received_on.desc(), _payments.c.id.desc()).limit(PAYMENTS_SHOWN))


def billing_page(client: Client, owner: Trainer) -> BillingPage:
    """Everything the page shows: five reads after the one that found the client by her link."""
    today = local_today(owner.timezone)
    open_invoices = list(db.session.scalars(
        select(Invoice).where(Invoice.trainer_id == owner.id, Invoice.client_id == client.id,
                              Invoice.status == InvoiceStatus.open)
        .order_by(Invoice.issue_date, Invoice.number)))
    return BillingPage(
        client=client, owner=owner, today=today,
        open_invoices=[invoice for invoice in open_invoices if invoice.due_cents > 0],
        balance_cents=ledger.balance_cents(client.id), credit_cents=ledger.credit_cents(client.id),
        packs=packs.client_packs(owner.id, client.id, today, include_past=False),
        payments=db.session.execute(_PAYMENTS_OF_CLIENT.where(_payments.c.client_id == client.id)).all(),
        text_number=display_phone(owner.mobile, region_of(owner.mobile))
        if owner.clients_may_text and owner.mobile else "")


def billing_page_text(client: Client, trainer: Trainer, first_text: bool) -> str:
    """The text that carries the link, in at most two segments (app/templates/messages/billing_page.sms.txt)."""
    opt_out = " Reply STOP to opt out." if first_text else ""
    return first_that_fits(sms_wordings("billing_page", business=trainer.display_name, first=client.first_name,
                                        link=billing_page_url(client), opt_out=opt_out))


def send_billing_page_link(trainer_id: int, client_id: int) -> OutboxMessage:
    """One text with the client's billing page link (made now if she has none yet), under the same
    quotas and consent rules as an invoice's text, and not twice within the resend interval. The
    returned row is queued, or not_sent with the reason."""
    if require_owned(Client, trainer_id, client_id).archived_at is not None:
        raise ServiceError("Restore this client before texting her the billing page.")
    client = ensure_billing_page_link(trainer_id, client_id)
    quota = quota_for_new_texts(trainer_id)  # parallel requests wait here, then see this one's row
    allowed_at = billing_link_allowed_at(client.id)
    if allowed_at is not None and allowed_at > utcnow():
        db.session.rollback()
        raise LinkTextedTooSoon(allowed_at)
    message = new_message(client, trainer_id, None, kind="billing_page", quota=quota)
    db.session.commit()
    if message.status in PENDING_STATUSES:
        enqueue_messages([message.id])
    return message


def billing_page_link(trainer_id: int, client_id: int) -> str | None:
    """The client's billing page address for the trainer to share, or None until one is made."""
    client = require_owned(Client, trainer_id, client_id)
    return billing_page_url(client) if client.billing_page_id else None
