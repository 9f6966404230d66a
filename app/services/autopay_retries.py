"""The trainer's hand on failed auto-pay charges: Retry now, Pause or resume the retries, Switch to pay by
link, Mark uncollectible. Each takes ids and an actor, owns its transaction, and enqueues after the commit."""
import logging

from sqlalchemy import func, select

from app.extensions import db
from app.integrations import stripe_invoices
from app.integrations.stripe_payments import PaymentProviderError, ProviderRefused
from app.models import ChargeAttempt, Invoice, InvoiceStatus, StripeCurrentInvoice
from app.models.types import utcnow
from app.services import ServiceError, autopay_charges, autopay_ledger, card_payments, client_accounts
from app.services.audit import record_event
from app.services.outbox import enqueue_messages, new_messages, pending_ids
from app.services.payments import lock_invoice
from app.tenancy import require_owned

log = logging.getLogger(__name__)

NOT_WAITING = "This invoice is no longer waiting for a card charge."
STRIPE_UNREACHABLE = "We could not reach Stripe. Nothing was changed. Please try again."


def _locked(trainer_id: int, invoice_id: int) -> tuple[Invoice, StripeCurrentInvoice]:
    """Her invoice, locked (a webhook or a charge waits), with its Stripe invoice; LookupError otherwise."""
    invoice = lock_invoice(require_owned(Invoice, trainer_id, invoice_id).id)
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice.id))
    if current is None:
        raise LookupError(invoice_id)
    return invoice, current


def _require_waiting(invoice: Invoice, current: StripeCurrentInvoice) -> None:
    if invoice.status != InvoiceStatus.open or current.state != "open" or not current.stripe_invoice_id:
        db.session.rollback()
        raise ServiceError(NOT_WAITING)


def _last_tried(invoice_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.max(ChargeAttempt.attempt_no), 0)).where(
        ChargeAttempt.invoice_id == invoice_id, ChargeAttempt.attempted_at.is_not(None)))


def retry_now(trainer_id: int, invoice_id: int, seen_attempt_no: int, actor: str) -> bool:
    """Charges the card now, once for the attempt the trainer saw failing: a second press (or a page
    left open) after another try was made does nothing. False if nothing was started."""
    invoice, current = _locked(trainer_id, invoice_id)
    _require_waiting(invoice, current)
    if _last_tried(invoice.id) != seen_attempt_no:
        db.session.rollback()
        return False
    attempt = db.session.scalar(select(ChargeAttempt).where(
        ChargeAttempt.invoice_id == invoice.id, ChargeAttempt.outcome == "scheduled")
        .order_by(ChargeAttempt.attempt_no).limit(1))
    if attempt is None:  # after the last retry or a hard decline: one more, on the trainer's word
        attempt = ChargeAttempt(trainer_id=trainer_id, invoice_id=invoice.id, attempt_no=seen_attempt_no + 1,
                                outcome="scheduled")
        db.session.add(attempt)
    attempt.scheduled_for = utcnow()
    record_event(invoice.id, trainer_id, actor, "charge_retried", to_value=f"Attempt {attempt.attempt_no}")
    number = attempt.attempt_no
    db.session.commit()
    autopay_charges.charge_later(invoice.id, number)
    return True


def set_retries_paused(trainer_id: int, invoice_id: int, paused: bool, actor: str) -> StripeCurrentInvoice:
    """Paused: the clock charges nothing for this invoice until she resumes (Retry now still works)."""
    invoice, current = _locked(trainer_id, invoice_id)
    _require_waiting(invoice, current)
    if current.retries_paused != paused:
        current.retries_paused = paused
        record_event(invoice.id, trainer_id, actor, "retries_paused" if paused else "retries_resumed")
    db.session.commit()
    return current


def switch_to_pay_by_link(trainer_id: int, invoice_id: int, actor: str) -> None:
    """Auto-pay off for this invoice: the Stripe invoice is voided (nobody can charge it twice) and the
    client is sent the invoice's usual link to pay as she likes."""
    invoice, current = _locked(trainer_id, invoice_id)
    _require_waiting(invoice, current)
    account, stripe_id = current.stripe_account_id, current.stripe_invoice_id
    db.session.commit()  # no lock held while Stripe is called
    _at_stripe(stripe_invoices.void_invoice, account, stripe_id, f"autopay-{invoice_id}-void")
    invoice, current = _locked(trainer_id, invoice_id)
    autopay_ledger.cancel_scheduled(invoice.id)
    current.state, current.fallback_reason = "fallback", f"Switched to pay by link by {actor}"[:300]
    record_event(invoice.id, trainer_id, actor, "autopay_stopped", to_value="Pay by link")
    messages = new_messages(invoice.client, trainer_id, invoice.id, kind="invoice",
                            dedupe_key=f"pay-by-link-{invoice.id}")
    db.session.commit()
    enqueue_messages(pending_ids(messages))


def mark_uncollectible(trainer_id: int, invoice_id: int, actor: str, reason: str) -> None:
    """Gives up on the charge: marked uncollectible at Stripe, and what is due written off on the ledger."""
    if not (reason or "").strip():
        raise ServiceError("Say why you are writing this off.", "reason")
    invoice, current = _locked(trainer_id, invoice_id)
    _require_waiting(invoice, current)
    account, stripe_id = current.stripe_account_id, current.stripe_invoice_id
    db.session.commit()
    _at_stripe(stripe_invoices.mark_uncollectible, account, stripe_id, f"autopay-{invoice_id}-uncollectible")
    invoice, current = _locked(trainer_id, invoice_id)
    autopay_ledger.cancel_scheduled(invoice.id)
    current.state = "uncollectible"
    client_accounts.write_off(trainer_id, invoice.id, actor, reason)  # commits


def _at_stripe(call, account: str, stripe_id: str, key: str) -> None:
    if not card_payments.stripe_configured():
        raise ServiceError(STRIPE_UNREACHABLE)
    try:
        call(account, stripe_id, key)
    except ProviderRefused as e:  # paid (or closed) meanwhile: Stripe's word, the webhook books it
        log.info("Stripe refused %s on %s: %s", call.__name__, stripe_id, e)
        raise ServiceError(f"Stripe would not change this invoice: {e}") from e
    except PaymentProviderError as e:
        raise ServiceError(STRIPE_UNREACHABLE) from e

