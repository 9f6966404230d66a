"""Card payments through Stripe Connect: the client pays on Stripe Checkout, on the trainer's own
account. What was paid reaches the books through card_ledger, from the webhook or the return page."""
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.integrations import stripe_payments as stripe_api
from app.integrations.stripe_payments import PaymentProviderError, ProviderRefused, ProviderUnreachable
from app.models import (CheckoutAttempt, Invoice, InvoiceStatus, Payment, PaymentMethod, Trainer)
from app.services import ServiceError, card_ledger, checkout_expiry
from app.services.invoice_numbers import format_invoice_number
from app.services.payments import still_pending

log = logging.getLogger(__name__)

UNREACHABLE = "We could not reach the card processor. Nothing was charged. Please try again."
CHANGED = "This invoice changed while your card payment was being set up. Nothing was charged. Please try again."
NOT_OFFERED = "Card payments are not available for this invoice. Please pay another way."


class CardPaymentError(ServiceError):
    """A refusal shown to the client. `retry`: the same press may work in a moment."""

    def __init__(self, message: str, retry: bool = False):
        super().__init__(message)
        self.retry = retry


def stripe_configured() -> bool:
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def card_payments_available(trainer: Trainer) -> bool:
    """Whether the public page offers "Pay by card" for this trainer's invoices."""
    return stripe_configured() and bool(trainer.stripe_account_id) and bool(trainer.stripe_charges_enabled)


def platform_fee_cents(amount_cents: int) -> int:
    """STRIPE_PLATFORM_FEE_BPS of the amount, rounded down to the cent: integer math only."""
    return amount_cents * int(current_app.config.get("STRIPE_PLATFORM_FEE_BPS") or 0) // 10_000


SAVE_CARD_KEY_SUFFIX = "-save-card"  # on an attempt's key: its payment also saves the card for auto-pay


def start_checkout(invoice_id: int, success_url: str, cancel_url: str, save_card: bool = False) -> str:
    """The Stripe Checkout URL for what is due now. An invoice has one open session at most: a
    session whose create was cut off is asked for again under its stored key (Stripe answers with
    the same session), and an older open one is expired before a new one is made. `save_card`:
    "Pay and save this card for next time" (the card is saved to her Customer for auto-pay)."""
    invoice, trainer = _payable(invoice_id)
    previous = _latest_attempt(invoice.id)
    if previous is not None and previous.status == "creating":
        _resend(previous, invoice, trainer, success_url, cancel_url)
        if previous.status == "open" and previous.amount_cents == invoice.due_cents \
                and previous.stripe_account_id == trainer.stripe_account_id:
            return previous.url
    if previous is not None and previous.status == "open":
        _close(previous)
        invoice, trainer = _payable(invoice_id)  # closing it may have found a payment
    attempt = _new_attempt(invoice, trainer, save_card)
    try:
        _send(attempt, invoice, trainer, success_url, cancel_url)
    except ProviderRefused as e:
        log.warning("Stripe refused a checkout session for invoice %s: %s", invoice.id, e)
        raise CardPaymentError(NOT_OFFERED) from e
    if attempt in checkout_expiry.stale_checkouts(db.session.get(Invoice, invoice_id)):
        # Voided or paid while Stripe made the session: the expiry job may have looked before it was open.
        _close(attempt)
        _payable(invoice_id)  # says why, if it is no longer payable at all
        raise CardPaymentError(CHANGED, retry=True)
    return attempt.url


def _payable(invoice_id: int) -> tuple[Invoice, Trainer]:
    invoice = db.session.get(Invoice, invoice_id)
    trainer = db.session.get(Trainer, invoice.trainer_id)
    if invoice.status == InvoiceStatus.paid:
        raise CardPaymentError("This invoice is already paid. Thank you!")
    if invoice.status != InvoiceStatus.open:
        raise CardPaymentError("This invoice was cancelled. There is nothing to pay.")
    if invoice.due_cents <= 0:
        raise CardPaymentError("Nothing is due on this invoice.")
    if not card_payments_available(trainer):
        raise CardPaymentError(NOT_OFFERED)
    if _card_payment_processing(invoice.id):
        raise CardPaymentError("A card payment for this invoice is still processing. Nothing more to do for now.")
    return invoice, trainer


def _card_payment_processing(invoice_id: int) -> bool:
    return db.session.scalar(select(Payment.id).where(
        Payment.invoice_id == invoice_id, still_pending(PaymentMethod.stripe)).limit(1)) is not None


def _latest_attempt(invoice_id: int) -> CheckoutAttempt | None:
    return db.session.scalar(select(CheckoutAttempt).where(CheckoutAttempt.invoice_id == invoice_id)
                             .order_by(CheckoutAttempt.attempt_no.desc()).limit(1))


def _new_attempt(invoice: Invoice, trainer: Trainer, save_card: bool = False) -> CheckoutAttempt:
    """Written and committed before Stripe is called, so a retry finds the key to send again."""
    number = (db.session.scalar(select(func.max(CheckoutAttempt.attempt_no))
                                .where(CheckoutAttempt.invoice_id == invoice.id)) or 0) + 1
    key = f"inv-{invoice.id}-attempt-{number}" + (SAVE_CARD_KEY_SUFFIX if save_card else "")
    attempt = CheckoutAttempt(trainer_id=trainer.id, invoice_id=invoice.id, attempt_no=number,
                              idempotency_key=key, amount_cents=invoice.due_cents,
                              stripe_account_id=trainer.stripe_account_id, status="creating")
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError as e:  # the same button pressed twice at once
        db.session.rollback()
        raise CardPaymentError("This payment was started twice at the same moment. Please try again.",
                               retry=True) from e
    return attempt


def _send(attempt: CheckoutAttempt, invoice: Invoice, trainer: Trainer, success_url: str, cancel_url: str) -> None:
    """Creates (or, under the same key, finds again) the attempt's session and records it as open.
    Everything sent is derived from the attempt, so a resend carries the same parameters."""
    customer_id = _customer_saving_card(attempt, invoice)
    request = dict(
        stripe_account=attempt.stripe_account_id, idempotency_key=attempt.idempotency_key,
        amount_cents=attempt.amount_cents, currency=invoice.currency,
        description=f"Invoice {format_invoice_number(invoice.number)} · {trainer.display_name}",
        metadata={"invoice_id": str(invoice.id), "attempt": str(attempt.attempt_no)},
        success_url=success_url, cancel_url=cancel_url, fee_cents=platform_fee_cents(attempt.amount_cents),
        save_for_customer=customer_id)
    db.session.commit()  # no transaction held open while Stripe is called
    try:
        session = stripe_api.create_checkout_session(**request)
    except ProviderUnreachable as e:
        raise CardPaymentError(UNREACHABLE, retry=True) from e  # the attempt stays "creating": same key next time
    except ProviderRefused:
        # Not applied by Stripe (or under other parameters): nobody holds a URL to pay it.
        attempt.status = "abandoned"
        db.session.commit()
        raise
    attempt.stripe_session_id, attempt.url, attempt.status = session.id, session.url, "open"
    db.session.commit()


def _customer_saving_card(attempt: CheckoutAttempt, invoice: Invoice) -> str | None:
    """The client's Customer when this payment also saves her card (made at Stripe the first time)."""
    if not attempt.idempotency_key.endswith(SAVE_CARD_KEY_SUFFIX):
        return None
    from app.services.autopay_cards import customer_for_checkout
    try:
        return customer_for_checkout(invoice.client_id)
    except ProviderUnreachable as e:
        raise CardPaymentError(UNREACHABLE, retry=True) from e


def _resend(attempt: CheckoutAttempt, invoice: Invoice, trainer: Trainer, success_url: str, cancel_url: str) -> None:
    try:
        _send(attempt, invoice, trainer, success_url, cancel_url)
    except ProviderRefused as e:
        log.info("checkout attempt %s abandoned: %s", attempt.id, e)


def _close(attempt: CheckoutAttempt) -> None:
    try:
        _expire(attempt)
    except PaymentProviderError as e:
        raise CardPaymentError(UNREACHABLE, retry=True) from e


def _expire(attempt: CheckoutAttempt) -> None:
    """Expires the attempt's open session on Stripe; one that cannot be expired any more (paid,
    or expired already) is read back and booked instead."""
    account, session_id = attempt.stripe_account_id, attempt.stripe_session_id
    db.session.commit()  # no transaction held open while Stripe is called
    try:
        session = stripe_api.expire_checkout_session(account, session_id)
    except ProviderRefused:
        session = None
    settle_session(account, session_id, session)


def expire_stale_checkouts(invoice_id: int) -> int:
    """Expires at Stripe the invoice's open sessions that no longer ask for what is due (a void or
    paid invoice wants nothing); a session Stripe says was paid meanwhile is booked (and flagged, if
    the invoice did not need it). Stripe out of reach raises ProviderUnreachable, to be tried again."""
    invoice = db.session.get(Invoice, invoice_id)
    stale = checkout_expiry.stale_checkouts(invoice) if invoice is not None else []
    for attempt in stale:
        try:
            _expire(attempt)
        except ProviderRefused as e:  # no such session on that account any more: nothing left to pay
            log.warning("checkout attempt %s could not be expired: %s", attempt.id, e)
    return len(stale)


def read_session(account: str, session_id: str, session: stripe_api.CheckoutSession | None = None
                 ) -> tuple[stripe_api.CheckoutSession, stripe_api.PaymentIntent | None]:
    """A checkout session and its payment, as Stripe has them now."""
    session = session or stripe_api.retrieve_checkout_session(account, session_id)
    intent = stripe_api.retrieve_payment_intent(account, session.payment_intent_id) \
        if session.payment_intent_id else None
    return session, intent


def fetch_session(account: str, session_id: str, session: stripe_api.CheckoutSession | None = None):
    """Reads the session (its payment, and the card it saved for auto-pay) from Stripe; returns how to
    book it, for card_ledger.save."""
    from app.services.autopay_cards import fetch_saved_card
    session, intent = read_session(account, session_id, session)
    store_card = fetch_saved_card(account, session, intent)

    def apply():
        store_card()
        return card_ledger.apply_checkout_session(account, session, intent)
    return apply


def settle_session(account: str, session_id: str, session: stripe_api.CheckoutSession | None = None) -> None:
    """Reads the session from Stripe and books it, the webhook's way."""
    card_ledger.save(fetch_session(account, session_id, session))


def settle_return(invoice_id: int, session_id: str) -> None:
    """The client is back from Checkout. The session id in her URL is only a hint: it must be one of
    this invoice's sessions, and what is booked is what Stripe says about it. If Stripe cannot be
    asked now, the webhook will bring the news."""
    attempt = db.session.scalar(select(CheckoutAttempt).where(
        CheckoutAttempt.invoice_id == invoice_id, CheckoutAttempt.stripe_session_id == session_id))
    if attempt is None or attempt.status != "open":
        return
    account = attempt.stripe_account_id
    db.session.commit()
    try:
        settle_session(account, session_id)
    except PaymentProviderError as e:
        log.warning("could not read checkout session %s on return: %s", session_id, e)


@dataclass
class ReturnView:
    invoice: Invoice
    owner: Trainer
    outcome: str  # paid | processing | void | not_yet


def return_view(invoice: Invoice) -> ReturnView:
    """What the books say now, whatever the return URL claimed."""
    if invoice.status == InvoiceStatus.paid:
        outcome = "paid"
    elif invoice.status == InvoiceStatus.void:
        outcome = "void"
    else:
        outcome = "processing" if _card_payment_processing(invoice.id) else "not_yet"
    return ReturnView(invoice=invoice, owner=db.session.get(Trainer, invoice.trainer_id), outcome=outcome)
