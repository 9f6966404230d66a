"""Stripe's webhook: each event verified, stored for good, and applied once, from the objects as
Stripe has them now (re-fetched), not as the event's payload or its arrival order describe them."""
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.integrations import stripe_payments as stripe_api
from app.integrations.stripe_payments import MalformedEvent, ObjectNotFound, ProviderRefused, WebhookEvent
from app.models import CheckoutAttempt, OutboxMessage, StripeEvent
from app.services import (autopay_cards, autopay_finalized, autopay_webhooks, card_ledger, card_payments,
                          stripe_connect, stripe_sync)

SESSION_EVENTS = {"checkout.session.completed", "checkout.session.async_payment_succeeded",
                  "checkout.session.async_payment_failed", "checkout.session.expired"}
INTENT_EVENTS = {"payment_intent.payment_failed", "payment_intent.succeeded", "payment_intent.processing"}
CHARGE_EVENTS = {"charge.refunded"}
# Saved cards (auto-pay): a card removed, a Customer's default card changed.
CARD_EVENTS = {"payment_method.detached", "customer.updated"}
HANDLED_EVENTS = SESSION_EVENTS | INTENT_EVENTS | CHARGE_EVENTS | CARD_EVENTS | {"account.updated"}
HANDLED_EVENTS |= autopay_finalized.EVENTS  # auto-pay: invoice.finalized

# Auto-pay invoices charged on the trainer's account (autopay_webhooks reads and applies them).
AUTOPAY_INVOICE_EVENTS = {"invoice.paid", "invoice.payment_failed", "invoice.payment_action_required",
                          "invoice.voided", "invoice.marked_uncollectible"}
HANDLED_EVENTS |= AUTOPAY_INVOICE_EVENTS

Apply = Callable[[], OutboxMessage | None]


def handle_webhook(payload: bytes, signature: str | None) -> str:
    """"processed" or "duplicate". Raises InvalidSignature or MalformedEvent (answer 400, nothing
    written) or another PaymentProviderError when Stripe could not be asked (answer 5xx: Stripe
    delivers it again)."""
    event = stripe_api.construct_webhook_event(payload, signature)
    if db.session.get(StripeEvent, event.id) is not None:
        return "duplicate"
    ours = _concerns_us(event)
    # End the reads before calling Stripe: no transaction is held open across the network, and on
    # SQLite the write below starts from the newest data rather than an old snapshot.
    db.session.rollback()
    apply = _fetch(event) if ours else (lambda: None)
    if not card_ledger.save(lambda: _record(event, apply)):
        return "duplicate"
    if ours and event.type == "payment_method.detached":
        stripe_sync.after_card_removed(event.account)  # her Stripe draft invoice deleted
    return "processed"


def _record(event: WebhookEvent, apply: Apply) -> OutboxMessage | None:
    """The event's row first: a concurrent delivery of the same event stops at its primary key."""
    db.session.add(StripeEvent(id=event.id, type=event.type, account=event.account))
    try:
        db.session.flush()
    except IntegrityError as e:
        raise card_ledger.AlreadyApplied(event.id) from e
    return apply()


def _concerns_us(event: WebhookEvent) -> bool:
    """A handled event on an account we know: a trainer's, or one her clients paid through."""
    if event.type not in HANDLED_EVENTS or not event.account:
        return False
    if event.type == "account.updated":
        return stripe_connect.trainer_for_account(event.account) is not None
    if event.type in autopay_finalized.EVENTS:
        return autopay_finalized.concerns_us(event)
    if event.type in CARD_EVENTS | SESSION_EVENTS and autopay_cards.knows_account(event.account):
        return True  # a Customer of ours: a saved card, or a setup-mode session saving one
    if event.type in AUTOPAY_INVOICE_EVENTS:
        return autopay_webhooks.concerns_us(event.account)
    return db.session.scalar(select(CheckoutAttempt.id).where(CheckoutAttempt.stripe_account_id == event.account)
                             .limit(1)) is not None


def _fetch(event: WebhookEvent) -> Apply:
    """Reads what the event is about from Stripe; returns how to apply it."""
    if event.type in SESSION_EVENTS | INTENT_EVENTS | AUTOPAY_INVOICE_EVENTS and event.object_id is None:
        raise MalformedEvent(f"{event.type} without the id of its object")
    try:
        if event.type in autopay_finalized.EVENTS:
            return autopay_finalized.fetch(event)
        if event.type in CARD_EVENTS:
            return _fetch_card_event(event)
        if event.type == "account.updated":
            return _fetch_account(event.account)
        if event.type in SESSION_EVENTS:
            return _fetch_session(event.account, event.object_id)
        if event.type in AUTOPAY_INVOICE_EVENTS:
            return autopay_webhooks.fetch(event.type, event.account, event.object_id, event.created)
        intent_id = event.object_id if event.type in INTENT_EVENTS else event.payment_intent_id
        return _fetch_intent(event.account, intent_id) if intent_id else (lambda: None)
    except (ObjectNotFound, ProviderRefused):
        return lambda: None  # nothing of ours to read: stored, and not asked about again


def _fetch_card_event(event: WebhookEvent) -> Apply:
    """Auto-pay's saved cards: each change applied as Stripe has it now (nothing to send)."""
    if event.type == "payment_method.detached":
        store = autopay_cards.fetch_detached(event.account, event.object_id)
    else:
        store = autopay_cards.fetch_customer(event.account, event.object_id)
    return lambda: store()


def _fetch_account(account_id: str) -> Apply:
    account = stripe_api.retrieve_account(account_id)
    return lambda: stripe_connect.apply_account(account)


def _fetch_session(account: str, session_id: str) -> Apply:
    return card_payments.fetch_session(account, session_id)


def _fetch_intent(account: str, intent_id: str) -> Apply:
    intent = stripe_api.retrieve_payment_intent(account, intent_id)
    return lambda: card_ledger.apply_payment_intent(account, intent)

