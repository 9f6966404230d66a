"""Card payments in the books: Stripe's current state of a checkout session or payment intent,
applied so that applying it twice, or events arriving in any order, ends in the same books.

The `apply_*` functions change the session and return the receipt to send; `save` commits them.
"""
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.integrations.stripe_payments import CheckoutSession, PaymentIntent
from app.models import CheckoutAttempt, Invoice, OutboxMessage, Payment, PaymentMethod, PaymentStatus, Trainer
from app.money import format_cents
from app.services.audit import record_event
from app.services import ledger
from app.services.payments import (COUNTED, METHOD_LABELS, count_on_account, flag_unneeded_money, lock_invoice,
                                   refresh_invoices, refresh_paid_status, send_receipt_after_commit)
from app.timefmt import local_today

ACTOR = "Stripe"
SAVE_TRIES = 3
FINAL_SESSION_STATES = ("complete", "expired")


class AlreadyApplied(Exception):
    """Another delivery of the same thing got there first: nothing to do."""


def save(work: Callable[[], OutboxMessage | None]) -> bool:
    """Runs `work` in one transaction, commits, then sends the receipt it returned. False if the work
    was already done. A concurrent delivery that inserted the same payment intent first trips the
    unique constraint (SQLite and PostgreSQL alike); the work is then redone on the fresh rows."""
    for tries_left in reversed(range(SAVE_TRIES)):
        try:
            receipt = work()
            db.session.commit()
        except AlreadyApplied:
            db.session.rollback()
            return False
        except IntegrityError:
            db.session.rollback()
            if not tries_left:
                raise
            continue
        send_receipt_after_commit(receipt)
        return True


def attempt_for(account: str | None, metadata: dict) -> CheckoutAttempt | None:
    """The press of "Pay by card" this money belongs to, and only if it was made on the same account:
    a payment made in one trainer's Stripe dashboard cannot credit another trainer's invoice."""
    try:
        invoice_id, attempt_no = int(metadata["invoice_id"]), int(metadata["attempt"])
    except (KeyError, TypeError, ValueError):
        return None
    return db.session.scalar(select(CheckoutAttempt).where(
        CheckoutAttempt.invoice_id == invoice_id, CheckoutAttempt.attempt_no == attempt_no,
        CheckoutAttempt.stripe_account_id == account))


def apply_checkout_session(account: str, session: CheckoutSession,
                           intent: PaymentIntent | None) -> OutboxMessage | None:
    attempt = attempt_for(account, session.metadata)
    if attempt is None:
        return None
    if attempt.stripe_session_id is None:  # its create's answer was lost; Stripe's word now
        attempt.stripe_session_id, attempt.url = session.id, session.url
    if attempt.stripe_session_id == session.id and session.status in FINAL_SESSION_STATES:
        attempt.status = session.status
    return apply_payment_intent(account, intent, session.id) if intent is not None else None


def apply_payment_intent(account: str, intent: PaymentIntent, session_id: str | None = None) -> OutboxMessage | None:
    """A Checkout payment, booked on the invoice of the "Pay by card" press it belongs to."""
    attempt = attempt_for(account, intent.metadata)
    return book_intent(attempt.invoice_id, intent, session_id) if attempt is not None else None


def book_intent(invoice_id: int, intent: PaymentIntent, session_id: str | None = None) -> OutboxMessage | None:
    """One Payment row per payment intent, moved to the intent's current state: Checkout's and
    auto-pay's card payments alike."""
    status = _status_of(intent)
    if status is None:
        return None
    invoice = lock_invoice(invoice_id)
    payment = db.session.scalar(select(Payment).where(Payment.stripe_payment_intent_id == intent.id))
    if payment is None:
        if status == PaymentStatus.failed:
            return None  # a declined card the client may retry: no money, no row
        payment = _new_payment(invoice, intent, session_id)
    payment.stripe_checkout_session_id = payment.stripe_checkout_session_id or session_id
    return _move(invoice, payment, status, intent)


def _status_of(intent: PaymentIntent) -> PaymentStatus | None:
    if intent.status == "succeeded":
        fully_refunded = intent.amount_received > 0 and intent.amount_refunded >= intent.amount_received
        return PaymentStatus.refunded if fully_refunded else PaymentStatus.succeeded
    if intent.status == "processing":
        return PaymentStatus.pending
    if intent.status in ("requires_payment_method", "canceled"):
        return PaymentStatus.failed
    return None  # still with the client (requires_action, ...): nothing to book yet


def _new_payment(invoice: Invoice, intent: PaymentIntent, session_id: str | None) -> Payment:
    trainer = db.session.get(Trainer, invoice.trainer_id)
    payment = Payment(trainer_id=invoice.trainer_id, client_id=invoice.client_id, invoice_id=invoice.id,
                      method=PaymentMethod.stripe,
                      status=PaymentStatus.pending, amount_cents=intent.amount, refunded_cents=0,
                      received_on=local_today(trainer.timezone), recorded_by=ACTOR,
                      stripe_payment_intent_id=intent.id, stripe_checkout_session_id=session_id)
    db.session.add(payment)
    return payment


def _move(invoice: Invoice, payment: Payment, status: PaymentStatus, intent: PaymentIntent) -> OutboxMessage | None:
    before_status, before_refunded = payment.status, payment.refunded_cents or 0
    if before_status in COUNTED and status not in COUNTED:
        return None  # money Stripe said arrived does not un-arrive; refunds say so instead
    paid_before = invoice.paid_cents
    payment.status = status
    if status in COUNTED:
        payment.amount_cents, payment.refunded_cents = intent.amount_received, intent.amount_refunded
    db.session.flush()  # the unique payment intent id is checked here
    if status in COUNTED and before_status not in COUNTED:
        _count(invoice, payment, paid_before)
    touched = []
    if payment.refunded_cents > before_refunded:
        _note_refund(invoice, payment, payment.refunded_cents - before_refunded)
        touched = ledger.fit_allocations(payment)
    receipt = refresh_paid_status(invoice)
    refresh_invoices(touched, invoice)
    return receipt


def _count(invoice: Invoice, payment: Payment, paid_before: int) -> None:
    if payment.status == PaymentStatus.succeeded:
        flag_unneeded_money(invoice, payment, paid_before)
    count_on_account(invoice, payment)
    record_event(invoice.id, invoice.trainer_id, ACTOR, "card_payment",
                 to_value=f"{format_cents(payment.amount_cents, invoice.currency)} · {METHOD_LABELS[payment.method]}",
                 reason=payment.refund_flag)


def _note_refund(invoice: Invoice, payment: Payment, refunded_now: int) -> None:
    if payment.status == PaymentStatus.refunded:
        payment.refund_flag = ""  # the unneeded money, if any, has gone back
    ledger.enter(payment, "refund", refunded_now, local_today(invoice.trainer.timezone), payment_id=payment.id,
                 note="Refunded in Stripe")
    record_event(invoice.id, invoice.trainer_id, ACTOR, "refund",
                 to_value=f"{format_cents(refunded_now, invoice.currency)} refunded",
                 from_value=format_cents(payment.amount_cents, invoice.currency))
