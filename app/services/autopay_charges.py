"""Charging an auto-pay invoice's card: one try per (invoice, attempt number), however often its job runs.

An attempt row is claimed (scheduled -> running) with one conditional UPDATE committed before Stripe is
called, and the pay request carries an idempotency key derived from (invoice, attempt): a replayed job
finds the row taken, and a retried request is answered by Stripe with its first answer.
"""
import logging
from datetime import datetime, timedelta

from flask import current_app
from rq.job import Job
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.integrations import stripe_invoices
from app.integrations import stripe_payments as stripe_api
from app.integrations.stripe_payments import ActionRequired, CardDeclined, ProviderRefused, ProviderUnreachable
from app.jobs import get_queue
from app.models import ChargeAttempt, Invoice, InvoiceStatus, StripeCurrentInvoice
from app.models.types import utcnow
from app.services import autopay_ledger, card_ledger
from app.services.outbox import enqueue_messages, pending_ids
from app.services.payments import lock_invoice

log = logging.getLogger(__name__)

CHARGE_JOB = "app.jobs.autopay.charge_invoice"
UNREACHABLE_RETRY = timedelta(minutes=5)  # Stripe out of reach: the same attempt (same key) again then
STUCK_AFTER = timedelta(minutes=15)  # a claim whose worker died before recording Stripe's answer


def idempotency_key(invoice_id: int, attempt_no: int) -> str:
    return f"autopay-{invoice_id}-charge-{attempt_no}"


def charge(invoice_id: int, attempt_no: int = 1) -> str:
    """Charges attempt `attempt_no` of the invoice once and records what Stripe answered. Attempt 1 (at
    finalization) is written here if it is not yet; later ones were scheduled by a failure or Retry now."""
    if attempt_no == 1:
        _ensure_first_attempt(invoice_id)
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice_id))
    why_not = _why_not_charging(invoice_id, current)
    if why_not is not None:
        _cancel(invoice_id, attempt_no, why_not)
        return why_not
    if not _claim(invoice_id, attempt_no):
        return "already tried"
    account, stripe_id = current.stripe_account_id, current.stripe_invoice_id
    db.session.commit()  # no transaction held open while Stripe is called
    try:
        stripe_invoice = stripe_invoices.pay_invoice(account, stripe_id, idempotency_key(invoice_id, attempt_no))
    except CardDeclined as e:
        return _apply_now(account, stripe_id, attempt_no, "invoice.payment_failed", decline_code=e.decline_code)
    except ActionRequired:
        return _apply_now(account, stripe_id, attempt_no, "invoice.payment_action_required")
    except ProviderUnreachable as e:
        log.warning("charge %s/%s not answered, tried again later: %s", invoice_id, attempt_no, e)
        _release(invoice_id, attempt_no, utcnow() + UNREACHABLE_RETRY)
        return "Stripe out of reach: tried again later"
    except ProviderRefused as e:  # paid, voided or marked uncollectible meanwhile: Stripe's state decides
        log.info("charge %s/%s refused: %s", invoice_id, attempt_no, e)
        outcome = _apply_now(account, stripe_id, attempt_no, "invoice.updated")
        _fail_if_still_running(invoice_id, attempt_no)
        return outcome
    return _apply_now(account, stripe_id, attempt_no, "invoice.paid", stripe_invoice)


def _ensure_first_attempt(invoice_id: int) -> None:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        return
    db.session.add(ChargeAttempt(trainer_id=invoice.trainer_id, invoice_id=invoice_id, attempt_no=1,
                                 scheduled_for=utcnow(), outcome="scheduled"))
    try:
        db.session.commit()
    except IntegrityError:  # written already (a replayed job, or the same charge twice at once)
        db.session.rollback()


def _why_not_charging(invoice_id: int, current: StripeCurrentInvoice | None) -> str | None:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or current is None or not current.stripe_invoice_id:
        return "not an auto-pay invoice"
    if invoice.status != InvoiceStatus.open or invoice.due_cents <= 0:
        return "nothing due"
    if current.state not in ("open", "draft"):
        return f"auto-pay is {current.state} for this invoice"
    return None


def _claim(invoice_id: int, attempt_no: int) -> bool:
    claimed = db.session.execute(
        update(ChargeAttempt).where(ChargeAttempt.invoice_id == invoice_id, ChargeAttempt.attempt_no == attempt_no,
                                    ChargeAttempt.outcome == "scheduled")
        .values(outcome="running", attempted_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return claimed.rowcount == 1


def _cancel(invoice_id: int, attempt_no: int, reason: str) -> None:
    db.session.execute(
        update(ChargeAttempt).where(ChargeAttempt.invoice_id == invoice_id, ChargeAttempt.attempt_no == attempt_no,
                                    ChargeAttempt.outcome == "scheduled")
        .values(outcome="cancelled", reason=reason[:300]).execution_options(synchronize_session=False))
    db.session.commit()


def _release(invoice_id: int, attempt_no: int, when: datetime) -> None:
    db.session.execute(
        update(ChargeAttempt).where(ChargeAttempt.invoice_id == invoice_id, ChargeAttempt.attempt_no == attempt_no,
                                    ChargeAttempt.outcome == "running")
        .values(outcome="scheduled", scheduled_for=when, attempted_at=None)
        .execution_options(synchronize_session=False))
    db.session.commit()


def _apply_now(account: str, stripe_id: str, attempt_no: int, event_type: str, stripe_invoice=None,
               decline_code: str = "") -> str:
    """Books Stripe's answer to this attempt the webhook's way (the webhook, arriving later, then finds it done)."""
    try:
        stripe_invoice = stripe_invoice or stripe_invoices.retrieve_invoice(account, stripe_id)
        intent = stripe_api.retrieve_payment_intent(account, stripe_invoice.payment_intent_id) \
            if stripe_invoice.payment_intent_id else None
    except stripe_api.PaymentProviderError as e:
        log.warning("charge answer for %s not booked now (the webhook will): %s", stripe_id, e)
        return "answered; the webhook will book it"
    if intent is not None and decline_code and not intent.decline_code:
        intent = stripe_api.PaymentIntent(**{**intent.__dict__, "decline_code": decline_code})
    card_ledger.save(lambda: autopay_ledger.apply_invoice(event_type, account, stripe_invoice, intent,
                                                          attempt_no=attempt_no))
    return f"Stripe says {stripe_invoice.status}"


def _fail_if_still_running(invoice_id: int, attempt_no: int) -> None:
    """Refused while Stripe still has the invoice open (no card it can charge): a failure that no retry
    mends, rather than a claim the sweep would send again and again."""
    invoice = lock_invoice(invoice_id)
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice_id))
    attempt = db.session.scalar(select(ChargeAttempt).where(ChargeAttempt.invoice_id == invoice_id,
                                                            ChargeAttempt.attempt_no == attempt_no))
    messages = autopay_ledger.record_failure(invoice, current, attempt, autopay_ledger.NO_USABLE_CARD)
    db.session.commit()
    enqueue_messages(pending_ids(messages or []))


def charge_later(invoice_id: int, attempt_no: int) -> bool:
    """Enqueues the attempt's job under its own id, unless it is already waiting or running. False if
    Redis refused (the clock's sweep enqueues it again)."""
    job_id = f"charge-{invoice_id}-{attempt_no}"
    queue = get_queue()
    try:
        existing = Job.fetch(job_id, connection=queue.connection) if Job.exists(job_id, queue.connection) else None
        if existing is not None and existing.get_status(refresh=True) in ("queued", "started", "scheduled"):
            return True
        queue.enqueue(CHARGE_JOB, invoice_id, attempt_no, job_id=job_id, result_ttl=86400, failure_ttl=7 * 86400,
                      job_timeout=current_app.config.get("RQ_JOB_TIMEOUT", 60), description=f"charge {invoice_id}/{attempt_no}")
        return True
    except Exception:
        log.exception("could not enqueue charge %s/%s; the sweep will", invoice_id, attempt_no)
        return False


def enqueue_due(now: datetime) -> int:
    """The clock's sweep: every attempt whose time has come (retries not paused) gets its job; a claim
    left running by a worker that died goes back to scheduled first, to be sent again under its key."""
    db.session.execute(update(ChargeAttempt).where(
        ChargeAttempt.outcome == "running", ChargeAttempt.attempted_at < now - STUCK_AFTER)
        .values(outcome="scheduled", attempted_at=None).execution_options(synchronize_session=False))
    db.session.commit()
    due = db.session.execute(
        select(ChargeAttempt.invoice_id, ChargeAttempt.attempt_no)
        .join(StripeCurrentInvoice, StripeCurrentInvoice.invoice_id == ChargeAttempt.invoice_id)
        .where(ChargeAttempt.outcome == "scheduled", ChargeAttempt.scheduled_for <= now,
               StripeCurrentInvoice.retries_paused.is_(False), StripeCurrentInvoice.state == "open")
        .order_by(ChargeAttempt.scheduled_for)).all()
    db.session.commit()
    return sum(1 for invoice_id, attempt_no in due if charge_later(invoice_id, attempt_no))
