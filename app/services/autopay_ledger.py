"""What Stripe says about an auto-pay invoice, applied to Spotter's books and charge attempts.

Called by the invoice.* webhooks and by the charge job with the objects as Stripe has them now, so a
replay, a concurrent delivery or events in any order end in the same rows. The apply functions change
the session and return the messages to send; the caller commits (card_ledger.save), then enqueues.
"""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.integrations.stripe_invoices import StripeInvoice
from app.integrations.stripe_payments import PaymentIntent
from app.models import ChargeAttempt, Invoice, OutboxMessage, StripeCurrentInvoice, Trainer
from app.models.types import utcnow
from app.services import card_ledger
from app.services.audit import record_event
from app.services.outbox import new_messages
from app.services.payments import lock_invoice

ACTOR = "Stripe"
NO_USABLE_CARD = "no_usable_card"  # ours: Stripe refused the charge while the invoice is open
# Declines no retry can mend: the card is gone, blocked or closed. The client is asked for a new one at once.
HARD_DECLINES = {"lost_card", "stolen_card", "pickup_card", "restricted_card", "fraudulent", "expired_card",
                 "invalid_account", "account_closed", "incorrect_number", "invalid_number", "card_not_supported",
                 "merchant_blacklist", "security_violation", "revocation_of_all_authorizations",
                 "revocation_of_authorization", "stop_payment_order", "no_action_taken", "not_permitted",
                 NO_USABLE_CARD}
REASONS = {
    "insufficient_funds": "The bank declined: not enough funds",
    "lost_card": "The card was reported lost",
    "stolen_card": "The card was reported stolen",
    "pickup_card": "The bank has blocked the card",
    "restricted_card": "The bank has blocked the card",
    "fraudulent": "The bank declined it as suspected fraud",
    "expired_card": "The card has expired",
    "invalid_account": "The card's account is closed",
    "account_closed": "The card's account is closed",
    "do_not_honor": "The bank declined without saying why",
    "generic_decline": "The bank declined without saying why",
    "card_velocity_exceeded": "The card's limit was reached",
    "withdrawal_count_limit_exceeded": "The card's limit was reached",
    "incorrect_cvc": "The card's security code was wrong",
    "processing_error": "The card network had an error",
    "try_again_later": "The bank asked to try again later",
    "authentication_required": "The bank asks the client to confirm the payment",
    NO_USABLE_CARD: "Stripe has no card it can charge for this client",
}


def reason_for(decline_code: str) -> str:
    return REASONS.get(decline_code, f"The card was declined ({decline_code or 'no reason given'})")


def current_for(account: str | None, stripe_invoice: StripeInvoice) -> StripeCurrentInvoice | None:
    """Our mirror of this Stripe invoice, on the same connected account; by id, or by the Spotter id in its
    metadata while our row has not heard its id yet (a create whose answer was lost)."""
    current = db.session.scalar(select(StripeCurrentInvoice).where(
        StripeCurrentInvoice.stripe_invoice_id == stripe_invoice.id,
        StripeCurrentInvoice.stripe_account_id == account))
    if current is not None:
        return current
    try:
        invoice_id = int(stripe_invoice.metadata["invoice_id"])
    except (KeyError, TypeError, ValueError):
        return None
    current = db.session.scalar(select(StripeCurrentInvoice).where(
        StripeCurrentInvoice.invoice_id == invoice_id, StripeCurrentInvoice.stripe_account_id == account,
        StripeCurrentInvoice.stripe_invoice_id.is_(None)))
    if current is not None:
        current.stripe_invoice_id = stripe_invoice.id
    return current


def knows_account(account: str) -> bool:
    return db.session.scalar(select(StripeCurrentInvoice.id).where(
        StripeCurrentInvoice.stripe_account_id == account).limit(1)) is not None


def apply_invoice(event_type: str, account: str, stripe_invoice: StripeInvoice, intent: PaymentIntent | None, *,
                  attempt_no: int | None = None, happened_at: datetime | None = None) -> list[OutboxMessage] | None:
    """Stripe's invoice as it is now decides; the event's type only says which failure it reported, and
    on which attempt: the one the charge job names (`attempt_no`), or for a webhook the one tried by the
    time the event happened (`happened_at`). Money that arrived is booked whichever attempt is running."""
    current = current_for(account, stripe_invoice)
    if current is None:
        return None
    invoice = lock_invoice(current.invoice_id)  # one delivery, or one charge job, at a time per invoice
    db.session.refresh(current)
    if stripe_invoice.hosted_invoice_url:
        current.hosted_invoice_url = stripe_invoice.hosted_invoice_url
    if stripe_invoice.status == "paid":
        return _paid(invoice, current, intent)
    if stripe_invoice.status in ("void", "uncollectible"):
        _closed_at_stripe(invoice, current, stripe_invoice.status)
        return None
    if stripe_invoice.status != "open":
        return None
    if current.state == "draft":
        current.state, current.finalized_at = "open", current.finalized_at or utcnow()
    attempt = _reported_attempt(invoice, attempt_no, happened_at)
    if attempt is None:
        return None
    if event_type == "invoice.payment_failed" and intent is not None and intent.status == "requires_payment_method":
        return record_failure(invoice, current, attempt, intent.decline_code)
    if event_type == "invoice.payment_action_required":
        return record_action_required(invoice, current, attempt)
    return None


def _paid(invoice: Invoice, current: StripeCurrentInvoice, intent: PaymentIntent | None) -> list[OutboxMessage] | None:
    current.state = "paid"
    now = utcnow()
    db.session.execute(update(ChargeAttempt).where(
        ChargeAttempt.invoice_id == invoice.id, ChargeAttempt.outcome.in_(("running", "requires_action")))
        .values(outcome="succeeded", attempted_at=now).execution_options(synchronize_session=False))
    cancel_scheduled(invoice.id)
    return card_ledger.book_intent(invoice.id, intent) if intent is not None else None


def _closed_at_stripe(invoice: Invoice, current: StripeCurrentInvoice, status: str) -> None:
    """Voided or marked uncollectible at Stripe: no more charges. Spotter's invoice stays as it is (the
    trainer decides there); a void one falls back to the pay link."""
    cancel_scheduled(invoice.id)
    if current.state in (status, "fallback"):
        return
    current.state = status
    record_event(invoice.id, invoice.trainer_id, ACTOR, "autopay_stopped",
                 to_value="Voided at Stripe" if status == "void" else "Marked uncollectible at Stripe")


def cancel_scheduled(invoice_id: int) -> None:
    db.session.execute(update(ChargeAttempt).where(
        ChargeAttempt.invoice_id == invoice_id, ChargeAttempt.outcome == "scheduled")
        .values(outcome="cancelled").execution_options(synchronize_session=False))


def _reported_attempt(invoice: Invoice, attempt_no: int | None,
                      happened_at: datetime | None) -> ChargeAttempt | None:
    """The attempt Stripe's news is about. The charge job names its own. A webhook's is the last attempt
    claimed by the time the event happened: each attempt is claimed before Stripe is called, so a delayed
    or replayed event of attempt 1 finds attempt 1 (decided, so nothing changes), never attempt 2. Stripe's
    `created` is whole seconds, so an attempt claimed within that second counts as tried by then. None for
    an event older than every attempt tried. (The invoice's attempt_count cannot tell ours apart: Stripe
    counts only the first of the pay requests made through the API.) With none tried yet, the news is of
    one Stripe made on its own (a retry in its dashboard), written down as the next attempt."""
    if attempt_no is not None:
        return db.session.scalar(select(ChargeAttempt).where(
            ChargeAttempt.invoice_id == invoice.id, ChargeAttempt.attempt_no == attempt_no))
    tried = (ChargeAttempt.invoice_id == invoice.id, ChargeAttempt.attempted_at.is_not(None))
    by_then = () if happened_at is None else (ChargeAttempt.attempted_at < happened_at + timedelta(seconds=1),)
    attempt = db.session.scalar(select(ChargeAttempt).where(*tried, *by_then)
                                .order_by(ChargeAttempt.attempt_no.desc()).limit(1))
    if attempt is not None:
        return attempt
    if db.session.scalar(select(ChargeAttempt.id).where(*tried).limit(1)) is not None:
        return None  # the event is older than every attempt tried
    number = (db.session.scalar(select(db.func.max(ChargeAttempt.attempt_no))
                                .where(ChargeAttempt.invoice_id == invoice.id)) or 0) + 1
    attempt = ChargeAttempt(trainer_id=invoice.trainer_id, invoice_id=invoice.id, attempt_no=number,
                            scheduled_for=utcnow(), attempted_at=utcnow(), outcome="running")
    db.session.add(attempt)
    return attempt


def record_failure(invoice: Invoice, current: StripeCurrentInvoice, attempt: ChargeAttempt,
                   decline_code: str) -> list[OutboxMessage] | None:
    """The attempt failed: its reason kept, the next one scheduled (none after a hard decline or the last
    day of the trainer's schedule), and the client told how to update her card and pay. Once per attempt."""
    if attempt.outcome != "running":
        return None
    attempt.outcome, attempt.decline_code = "failed", (decline_code or "generic_decline")[:64]
    attempt.reason, attempt.hard_decline = reason_for(attempt.decline_code), attempt.decline_code in HARD_DECLINES
    attempt.attempted_at = attempt.attempted_at or utcnow()
    next_attempt = None if attempt.hard_decline else _schedule_next(invoice, attempt)
    if attempt.hard_decline:
        cancel_scheduled(invoice.id)
    record_event(invoice.id, invoice.trainer_id, ACTOR, "charge_failed", to_value=f"Attempt {attempt.attempt_no}",
                 reason=attempt.reason)
    if next_attempt is None and not attempt.hard_decline:
        record_event(invoice.id, invoice.trainer_id, ACTOR, "past_due", reason="The last retry failed")
    return new_messages(invoice.client, invoice.trainer_id, invoice.id, kind="payment_failed",
                        dedupe_key=f"payment_failed-{invoice.id}-{attempt.attempt_no}")


def record_action_required(invoice: Invoice, current: StripeCurrentInvoice,
                           attempt: ChargeAttempt) -> list[OutboxMessage] | None:
    """The bank wants the client to confirm (3D Secure): she is sent Stripe's invoice page to do it."""
    if attempt.outcome != "running":
        return None
    attempt.outcome, attempt.reason = "requires_action", "The bank asks the client to confirm the payment"
    attempt.attempted_at = attempt.attempted_at or utcnow()
    record_event(invoice.id, invoice.trainer_id, ACTOR, "charge_needs_action", to_value=f"Attempt {attempt.attempt_no}")
    return new_messages(invoice.client, invoice.trainer_id, invoice.id, kind="payment_failed",
                        dedupe_key=f"payment_action-{invoice.id}-{attempt.attempt_no}")


def retry_days(trainer: Trainer) -> list[int]:
    """The trainer's schedule: days after the first failure, e.g. "1,3,5,7" -> [1, 3, 5, 7]."""
    return [int(day) for day in (trainer.autopay_retry_days or "").split(",") if day.strip().isdigit()]


def _schedule_next(invoice: Invoice, failed: ChargeAttempt) -> ChargeAttempt | None:
    days = retry_days(db.session.get(Trainer, invoice.trainer_id))
    index = failed.attempt_no - 1
    if index >= len(days):
        return None
    existing = db.session.scalar(select(ChargeAttempt).where(
        ChargeAttempt.invoice_id == invoice.id, ChargeAttempt.attempt_no == failed.attempt_no + 1))
    if existing is not None:
        return existing if existing.outcome == "scheduled" else None
    first_failure = db.session.scalar(select(ChargeAttempt.attempted_at).where(
        ChargeAttempt.invoice_id == invoice.id, ChargeAttempt.attempted_at.is_not(None))
        .order_by(ChargeAttempt.attempt_no).limit(1)) or utcnow()
    attempt = ChargeAttempt(trainer_id=invoice.trainer_id, invoice_id=invoice.id, attempt_no=failed.attempt_no + 1,
                            scheduled_for=max(first_failure + timedelta(days=days[index]), utcnow()),
                            outcome="scheduled")
    db.session.add(attempt)
    return attempt
