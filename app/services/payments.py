"""Payments against an invoice; an invoice is paid when the payments allocated to it cover its total.
Money an invoice did not need stays on the client's account as credit."""
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import (Invoice, InvoiceStatus, MessageStatus, OutboxMessage, Payment, PaymentAllocation,
                        PaymentMethod, PaymentStatus, Trainer)
from app.models.payment import COUNTED, paid_on_invoice
from app.models.types import utcnow
from app.money import format_cents
from app.services import ServiceError, form_keys, ledger, packs
from app.services.audit import record_event
from app.services.checkout_expiry import expire_stale_checkouts_later
from app.services.outbox import enqueue_messages, new_messages, pending_ids
from app.tenancy import require_owned
from app.timefmt import local_today

METHOD_LABELS = {PaymentMethod.cash: "Cash", PaymentMethod.check: "Check", PaymentMethod.venmo: "Venmo",
                 PaymentMethod.stripe: "Card (Stripe)", PaymentMethod.other: "Other", PaymentMethod.credit: "Credit"}
MANUAL_METHODS = (PaymentMethod.cash, PaymentMethod.check, PaymentMethod.venmo, PaymentMethod.other)


def still_pending(method: PaymentMethod | None = None):
    """SQL: a payment still on its way (a client's Venmo report waiting for the trainer, a bank debit
    clearing) and not deleted. Table columns, so plain Core selects can use it too."""
    payments = Payment.__table__
    pending = (payments.c.status == PaymentStatus.pending) & payments.c.deleted_at.is_(None)
    return pending if method is None else pending & (payments.c.method == method)


def lock_invoice(invoice_id: int) -> Invoice:
    """The invoice, locked until the commit and read afresh, so that payments posted at the same
    moment are counted one after the other, each on the numbers the other left. The UPDATE takes the
    row's lock on PostgreSQL and the database's write lock on SQLite."""
    db.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(version=Invoice.version)
                       .execution_options(synchronize_session=False))
    return db.session.scalars(select(Invoice).where(Invoice.id == invoice_id)
                              .execution_options(populate_existing=True)).one()


def awaiting_confirmation():
    """SQL: a payment the client reported ("I've paid with Venmo") that the trainer has not confirmed
    or rejected yet."""
    return still_pending() & Payment.__table__.c.reported_by_client


def refresh_paid_status(invoice: Invoice) -> OutboxMessage | None:
    """Reads what has been paid now that the payments changed, and moves the invoice between open
    and paid. Returns the receipt text to send once committed, if it just became paid."""
    db.session.flush()
    set_committed_value(invoice, "paid_cents", db.session.scalar(select(paid_on_invoice(invoice.id))))
    covered = invoice.paid_cents + (invoice.written_off_cents or 0)
    if invoice.status == InvoiceStatus.open and covered >= invoice.total_cents:
        invoice.status, invoice.paid_at = InvoiceStatus.paid, utcnow()
        packs.on_invoice_paid(invoice.id)
        return _receipt(invoice)
    if invoice.status == InvoiceStatus.paid and covered < invoice.total_cents:
        invoice.status, invoice.paid_at = InvoiceStatus.open, None
        packs.on_invoice_unpaid(invoice.id)
    return None


def flag_unneeded_money(invoice: Invoice, payment: Payment, paid_before_cents: int) -> None:
    """Money the invoice did not need is flagged for the trainer to refund, never silently kept."""
    if invoice.status == InvoiceStatus.void:
        payment.refund_flag = "Paid on a void invoice: refund it."
    elif paid_before_cents >= invoice.total_cents:
        payment.refund_flag = "The invoice was already paid: refund this payment."
    elif paid_before_cents + payment.amount_cents > invoice.total_cents:
        over = paid_before_cents + payment.amount_cents - invoice.total_cents
        payment.refund_flag = f"Overpaid by {format_cents(over, invoice.currency)}: refund the difference."


def count_on_account(invoice: Invoice, payment: Payment) -> None:
    """Money that just arrived: its `payment_received` entry, and as much of it as the invoice needs."""
    ledger.enter(payment, "payment_received", -payment.amount_cents, payment.received_on, payment_id=payment.id,
                 invoice_id=None, note=METHOD_LABELS[payment.method])
    ledger.allocate(payment, invoice, payment.amount_cents)


def refresh_invoices(invoice_ids: list[int], locked: Invoice) -> None:
    """Other invoices a change of allocations reached: locked, then moved between open and paid."""
    for invoice_id in sorted(set(invoice_ids) - {locked.id}):
        refresh_paid_status(lock_invoice(invoice_id))


def _receipt(invoice: Invoice) -> list[OutboxMessage] | None:
    trainer = db.session.get(Trainer, invoice.trainer_id)
    if not trainer.receipts_enabled or invoice.total_cents == 0:
        return None
    return new_messages(invoice.client, trainer.id, invoice.id, kind="receipt")


def send_receipt_after_commit(receipt: list[OutboxMessage] | None) -> None:
    """`receipt`: the rows (a text, an email) `_receipt` wrote, or None."""
    if receipt:
        enqueue_messages(pending_ids(receipt))


def _after_commit(invoice_id: int, receipt: list[OutboxMessage] | None = None) -> None:
    """What follows a committed change of a trainer's payments: the receipt, if the invoice just became
    paid, and the expiry of card checkouts that no longer ask for what is due."""
    send_receipt_after_commit(receipt)
    expire_stale_checkouts_later(invoice_id)


def record_manual_payment(trainer_id: int, invoice_id: int, actor: str, *, amount_cents: int,
                          method: PaymentMethod, received_on: date, note: str = "",
                          form_key: str | None = None) -> Payment:
    """Cash, check, Venmo or other money the trainer received. The same form posted again (its
    `form_key`) records nothing more and returns the payment the first post recorded."""
    if amount_cents <= 0:
        raise ServiceError("The amount must be more than zero.", "amount")
    if method not in MANUAL_METHODS:
        raise ServiceError("Pick cash, check, Venmo or other.", "method")
    invoice = lock_invoice(require_owned(Invoice, trainer_id, invoice_id).id)
    if invoice.status not in (InvoiceStatus.open, InvoiceStatus.paid):
        db.session.rollback()
        raise ServiceError("Payments can only be recorded on a sent invoice.")
    payment = Payment(trainer_id=trainer_id, client_id=invoice.client_id, invoice_id=invoice.id, method=method,
                      amount_cents=amount_cents, received_on=received_on, note=(note or "").strip()[:200],
                      recorded_by=actor, status=PaymentStatus.succeeded)
    db.session.add(payment)
    receipt = _count_succeeded(invoice, payment, actor)
    payment, recorded = form_keys.commit_once(trainer_id, form_key, payment)
    if recorded:
        _after_commit(invoice.id, receipt)
    return payment


def _count_succeeded(invoice: Invoice, payment: Payment, actor: str) -> OutboxMessage | None:
    """A payment that succeeded on the locked invoice: entered on the client's account, applied to the
    invoice up to its due (the rest is credit on account, flagged) and the invoice moved. Returns the
    receipt to send once committed."""
    paid_before = invoice.paid_cents
    db.session.flush()
    flag_unneeded_money(invoice, payment, paid_before)
    count_on_account(invoice, payment)
    record_event(invoice.id, invoice.trainer_id, actor, "payment_recorded",
                 to_value=f"{format_cents(payment.amount_cents, invoice.currency)} · {METHOD_LABELS[payment.method]}",
                 reason=payment.note)
    return refresh_paid_status(invoice)


def report_venmo_payment(invoice_id: int, form_key: str | None = None) -> Payment | None:
    """The client says "I've paid with Venmo". Venmo cannot confirm it, so it waits, pending, on
    the trainer's To confirm list. Reporting twice keeps one pending payment."""
    invoice = lock_invoice(invoice_id)
    pending = db.session.scalar(select(Payment).where(
        Payment.invoice_id == invoice.id, Payment.reported_by_client, still_pending()))
    if invoice.status != InvoiceStatus.open or invoice.due_cents <= 0 or pending is not None:
        db.session.rollback()
        return pending
    payment = Payment(trainer_id=invoice.trainer_id, client_id=invoice.client_id, invoice_id=invoice.id,
                      method=PaymentMethod.venmo,
                      status=PaymentStatus.pending, amount_cents=invoice.due_cents, reported_by_client=True,
                      received_on=local_today(invoice.trainer.timezone), recorded_by=invoice.client.name,
                      note="Reported by the client")
    db.session.add(payment)
    return form_keys.commit_once(invoice.trainer_id, form_key, payment)[0]


def _pending_report(trainer_id: int, payment_id: int) -> tuple[Invoice, Payment]:
    """A report still waiting for the trainer, and its invoice, locked: read again after the lock,
    so that a second tap on Confirm finds it confirmed already (LookupError)."""
    invoice_id = db.session.scalar(select(Payment.invoice_id).where(
        Payment.id == payment_id, Payment.trainer_id == trainer_id))
    if invoice_id is None:
        raise LookupError(payment_id)
    invoice = lock_invoice(invoice_id)
    payment = db.session.scalar(select(Payment).where(Payment.id == payment_id, still_pending())
                                .execution_options(populate_existing=True))
    if payment is None:
        db.session.rollback()
        raise LookupError(payment_id)
    return invoice, payment


def confirm_payment(trainer_id: int, payment_id: int, actor: str) -> Payment:
    """The trainer saw the money arrive in Venmo."""
    invoice, payment = _pending_report(trainer_id, payment_id)
    payment.status, payment.confirmed_at = PaymentStatus.succeeded, utcnow()
    receipt = _count_succeeded(invoice, payment, actor)
    db.session.commit()
    _after_commit(invoice.id, receipt)
    return payment


def reject_payment(trainer_id: int, payment_id: int, actor: str) -> Payment:
    """The money never arrived: the report is set aside and the invoice stays open."""
    invoice, payment = _pending_report(trainer_id, payment_id)
    payment.status = PaymentStatus.failed
    record_event(payment.invoice_id, trainer_id, actor, "payment_rejected",
                 from_value=f"{format_cents(payment.amount_cents, invoice.currency)} · Venmo (reported by the client)")
    db.session.commit()
    return payment


def payments_to_confirm(trainer_id: int) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.trainer_id == trainer_id, awaiting_confirmation())
                                   .order_by(Payment.created_at)))


def _manual_payment(invoice: Invoice, payment_id: int, card_refusal: str, *conditions) -> Payment:
    """A payment on this invoice, not deleted, that the trainer may change here (a card payment
    changes only in Stripe); LookupError if there is none."""
    payment = db.session.scalar(select(Payment).where(
        Payment.id == payment_id, Payment.invoice_id == invoice.id, Payment.trainer_id == invoice.trainer_id,
        Payment.deleted_at.is_(None), *conditions).execution_options(populate_existing=True))
    if payment is None:
        db.session.rollback()
        raise LookupError(payment_id)
    if payment.method == PaymentMethod.stripe:
        db.session.rollback()
        raise ServiceError(card_refusal)
    return payment


def delete_payment(trainer_id: int, invoice_id: int, payment_id: int, actor: str, reason: str = "") -> None:
    """Takes a payment off the invoice; the row stays, marked deleted, for the history."""
    invoice = lock_invoice(require_owned(Invoice, trainer_id, invoice_id).id)
    payment = _manual_payment(invoice, payment_id, "Card payments are refunded in Stripe, not deleted here.")
    held = ledger.holds_cents(payment)
    payment.deleted_at = utcnow()
    if held:
        ledger.enter(payment, "payment_deleted", held, local_today(invoice.trainer.timezone), payment_id=payment.id,
                     note=(reason or "").strip())
    touched = ledger.fit_allocations(payment)
    record_event(invoice.id, trainer_id, actor, "payment_deleted",
                 from_value=f"{format_cents(payment.amount_cents, invoice.currency)} · {METHOD_LABELS[payment.method]}",
                 reason=(reason or "").strip()[:200])
    refresh_paid_status(invoice)  # a deletion can only reopen an invoice, never send a receipt
    refresh_invoices(touched, invoice)
    db.session.commit()
    _after_commit(invoice.id)


def refund_manual_payment(trainer_id: int, invoice_id: int, payment_id: int, actor: str, *,
                          amount_cents: int, reason: str = "") -> Payment:
    """Money handed back for a cash, check, Venmo or other payment (card refunds happen in Stripe)."""
    invoice = lock_invoice(require_owned(Invoice, trainer_id, invoice_id).id)
    payment = _manual_payment(invoice, payment_id,
                              "Card payments are refunded in Stripe; the refund shows here once Stripe reports it.",
                              Payment.status.in_(COUNTED))
    left = payment.amount_cents - payment.refunded_cents
    if not 0 < amount_cents <= left:
        db.session.rollback()
        raise ServiceError(f"Refund between $0.01 and {format_cents(left, invoice.currency)}.", "amount")
    payment.refunded_cents += amount_cents
    if payment.refunded_cents == payment.amount_cents:
        payment.status = PaymentStatus.refunded
    ledger.enter(payment, "refund", amount_cents, local_today(invoice.trainer.timezone), payment_id=payment.id,
                 note=(reason or "").strip())
    touched = ledger.fit_allocations(payment)
    record_event(invoice.id, trainer_id, actor, "refund",
                 to_value=f"{format_cents(amount_cents, invoice.currency)} of {METHOD_LABELS[payment.method]}",
                 reason=(reason or "").strip()[:200])
    refresh_paid_status(invoice)
    refresh_invoices(touched, invoice)
    if payment.refund_flag and ledger.unallocated_cents(payment) <= 0:
        payment.refund_flag = ""  # the money the invoice did not need has gone back
    db.session.commit()
    _after_commit(invoice.id)
    return payment


def payments_for(invoice_id: int) -> list[Payment]:
    """The payments recorded on the invoice, and those recorded elsewhere that were applied to it."""
    applied = select(PaymentAllocation.payment_id).where(PaymentAllocation.invoice_id == invoice_id)
    return list(db.session.scalars(select(Payment).where(
        (Payment.invoice_id == invoice_id) | Payment.id.in_(applied)).order_by(Payment.created_at)))
