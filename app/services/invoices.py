"""Finalized invoices: the list, one invoice's story, void and resend."""
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select, update

from app.extensions import db
from app.models import (PENDING_STATUSES, Batch, Client, Invoice, InvoiceEvent, InvoiceStatus, OutboxMessage, Payment,
                        TrainingSession)
from app.models.types import utcnow
from app.services import ServiceError, ledger, packs
from app.services.audit import record_event
from app.services.checkout_expiry import expire_stale_checkouts_later
from app.services.outbox import enqueue_messages, new_messages, pending_ids
from app.services.payments import awaiting_confirmation, lock_invoice
from app.services.redraft import redraft_from_void
from app.services.text_quota import ResendTooSoon, quota_for_new_texts, resend_allowed_at
from app.timefmt import local_today
from app.tenancy import find_owned, owned, require_owned

FILTERS = ("open", "awaiting", "overdue", "paid", "void", "all")


@dataclass
class OpenTotals:
    outstanding_cents: int
    overdue_count: int
    overdue_cents: int


def open_totals(trainer_id: int, today) -> OpenTotals:
    """What the trainer's open invoices still owe, and how much of it is overdue, in one query."""
    due = Invoice.total_cents - Invoice.paid_cents - Invoice.written_off_cents
    overdue = Invoice.due_date < today
    outstanding, overdue_count, overdue_cents = db.session.execute(
        select(func.coalesce(func.sum(due), 0), func.count(Invoice.id).filter(overdue),
               func.coalesce(func.sum(due).filter(overdue), 0))
        .where(Invoice.trainer_id == trainer_id, Invoice.status == InvoiceStatus.open)).one()
    return OpenTotals(int(outstanding), int(overdue_count), int(overdue_cents))


@dataclass
class InvoiceList:
    invoices: list[Invoice]
    totals: OpenTotals
    awaiting_ids: set[int]  # invoices with a payment the client reported, for the trainer to confirm


def list_invoices(trainer_id: int, status: str, query: str, today) -> InvoiceList:
    awaiting = exists().where(Payment.__table__.c.invoice_id == Invoice.id, awaiting_confirmation())
    stmt = owned(Invoice, trainer_id).add_columns(awaiting.label("awaiting")) \
        .where(Invoice.status != InvoiceStatus.draft)
    if status == "open":
        stmt = stmt.where(Invoice.status == InvoiceStatus.open)
    elif status == "awaiting":
        stmt = stmt.where(Invoice.status == InvoiceStatus.open, awaiting)
    elif status == "overdue":
        stmt = stmt.where(Invoice.status == InvoiceStatus.open, Invoice.due_date < today)
    elif status in ("paid", "void"):
        stmt = stmt.where(Invoice.status == InvoiceStatus(status))
    query = (query or "").strip()
    if query:
        stmt = stmt.join(Client, Client.id == Invoice.client_id) \
            .where(Client.name.icontains(query, autoescape=True))
    rows = db.session.execute(stmt.order_by(Invoice.number.desc()).limit(500)).all()
    return InvoiceList([invoice for invoice, _ in rows], open_totals(trainer_id, today),
                       {invoice.id for invoice, awaiting in rows if awaiting})


def history(invoice_id: int) -> list[InvoiceEvent]:
    return list(db.session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == invoice_id)
                                   .order_by(InvoiceEvent.created_at, InvoiceEvent.id)))


def messages_for(invoice_id: int) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.invoice_id == invoice_id)
                                   .order_by(OutboxMessage.id)))


def void_invoice(trainer_id: int, invoice_id: int, actor: str, reason: str) -> Invoice:
    """Voids a sent invoice: its link then says it was cancelled, its sessions go back to the client's
    draft with the prices, no-charges, fees and discounts they were billed with, and a card checkout
    left open on it is expired at Stripe."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why you are voiding this invoice.", "reason")
    if len(reason) > 200:
        raise ServiceError("Keep the reason to 200 characters.", "reason")
    invoice = lock_invoice(require_owned(Invoice, trainer_id, invoice_id).id)
    if invoice.status not in (InvoiceStatus.open, InvoiceStatus.paid):
        db.session.rollback()
        raise ServiceError("Only a sent invoice can be voided.")
    packs.on_invoice_voided(invoice.id)
    invoice.status, invoice.voided_at, invoice.void_reason = InvoiceStatus.void, utcnow(), reason
    void_on_account(invoice, reason)
    db.session.execute(update(TrainingSession).where(TrainingSession.invoice_id == invoice.id)
                       .values(invoice_id=None).execution_options(synchronize_session=False))
    record_event(invoice.id, trainer_id, actor, "voided", reason=reason)
    redraft_from_void(invoice, actor)
    db.session.commit()
    expire_stale_checkouts_later(invoice.id)
    return invoice


def void_on_account(invoice: Invoice, reason: str) -> None:
    """The void is entered on the client's account. What was paid on it stays shown on it, and is the
    client's credit on account: refunded, or applied to the next invoice."""
    ledger.enter(invoice, "invoice_voided", -(invoice.total_cents - (invoice.written_off_cents or 0)),
                 local_today(invoice.trainer.timezone), invoice_id=invoice.id, note=reason)


def resend_invoice(trainer_id: int, invoice_id: int, actor: str) -> OutboxMessage:
    """A new outbox row and job: the text goes out again, but not twice within the resend interval."""
    invoice = require_owned(Invoice, trainer_id, invoice_id)
    if invoice.status not in (InvoiceStatus.open, InvoiceStatus.paid):
        raise ServiceError("Only a sent invoice can be texted again.")
    quota = quota_for_new_texts(trainer_id)  # parallel resends wait here, then see this one's row
    allowed_at = resend_allowed_at(invoice.id)
    if allowed_at is not None and allowed_at > utcnow():
        db.session.rollback()
        raise ResendTooSoon(allowed_at)
    messages = new_messages(invoice.client, trainer_id, invoice.id, quota=quota)
    record_event(invoice.id, trainer_id, actor, "resent")
    db.session.commit()
    enqueue_messages(pending_ids(messages))
    return messages[0]


REACHED = ("delivered", "sent")


@dataclass
class BatchRow:
    """An invoice of the batch with its latest message on each channel; `message` is the one that
    reached the client (or is on its way, or else the latest), `reached_by` says how."""
    invoice: Invoice
    message: OutboxMessage | None
    by_channel: dict[str, OutboxMessage] = field(default_factory=dict)

    @property
    def reached_by(self) -> str:
        channels = [c for c, m in sorted(self.by_channel.items(), reverse=True) if m.status.value in REACHED]
        return " and ".join({"sms": "text", "email": "email"}[c] for c in channels)


def _best(by_channel: dict[str, OutboxMessage]) -> OutboxMessage | None:
    """The message that says most about whether the client got the invoice."""
    def rank(m: OutboxMessage) -> tuple:
        return (m.status.value in REACHED, m.is_pending, m.channel == "sms", m.id)
    return max(by_channel.values(), key=rank, default=None)


def batch_invoices(trainer_id: int, batch_id: int) -> list[Invoice]:
    """The invoices one Send made, in the order they were numbered."""
    return list(db.session.scalars(owned(Invoice, trainer_id).where(Invoice.batch_id == batch_id)
                                   .order_by(Invoice.number)))


def batch_status(trainer_id: int, batch_id: int) -> tuple[Batch, list[BatchRow], bool] | None:
    """The batch, a row per invoice with its latest text, and whether anything is still pending."""
    batch = find_owned(Batch, trainer_id, batch_id)
    if batch is None:
        return None
    invoices = batch_invoices(trainer_id, batch.id)
    latest: dict[int, dict[str, OutboxMessage]] = {}
    for message in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.invoice_id.in_([i.id for i in invoices])).order_by(OutboxMessage.id)):
        latest.setdefault(message.invoice_id, {})[message.channel] = message
    rows = [BatchRow(i, _best(latest.get(i.id, {})), latest.get(i.id, {})) for i in invoices]
    # A text held for the client's quiet hours changes nothing before 08:00: no need to keep asking.
    pending = any(r.message is not None and r.message.is_pending and not r.message.is_held for r in rows)
    return batch, rows, pending
