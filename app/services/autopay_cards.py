"""A client's saved card for auto-pay: a Customer on her trainer's connected account, the card saved to
it through Checkout (setup mode, or a payment that also saves the card), and her on/off switch.

Only Stripe's ids and what a card says about itself (brand, last 4, expiry) are kept. Pages read the
AutopayCard row, never Stripe; Stripe is asked when a card is saved or a webhook says it changed."""
import calendar
import logging
import secrets
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.integrations import stripe_payments as stripe_api
from app.integrations.stripe_payments import (CheckoutSession, PaymentIntent, PaymentProviderError, ProviderRefused,
                                              SavedCard)
from app.models import AutopayCard, Client, Trainer
from app.models.types import utcnow
from app.services import stripe_sync
from app.services.card_payments import CardPaymentError, card_payments_available
from app.tenancy import require_owned

log = logging.getLogger(__name__)

EXPIRY_WARNING_DAYS = 30
BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "Amex", "discover": "Discover", "jcb": "JCB",
          "diners": "Diners Club", "unionpay": "UnionPay"}
NOT_OFFERED = "Saving a card is not available right now. Please ask your trainer."
UNREACHABLE = "We could not reach the card processor. Nothing was saved. Please try again."


class AutopayError(CardPaymentError):
    """Saving her card refused, shown to the client as a card payment's refusal is (`retry` and all)."""


# What the other parts of auto-pay read

def active_card(client_id: int) -> AutopayCard | None:
    """The card to charge: auto-pay on and a payment method still saved. None: send a pay link instead."""
    return db.session.scalar(select(AutopayCard).where(
        AutopayCard.client_id == client_id, AutopayCard.enabled.is_(True),
        AutopayCard.stripe_payment_method_id.is_not(None)))


def describe(card: AutopayCard) -> str:
    """"Visa •4242"."""
    return f"{BRANDS.get(card.brand, card.brand.title() or 'Card')} •{card.last4}"


def expiry_label(card: AutopayCard) -> str:
    """"12/28"."""
    return f"{card.exp_month:02d}/{card.exp_year % 100:02d}" if card.exp_month and card.exp_year else ""


def expiry_key(card: AutopayCard) -> str:
    """"2028-12": the expiry the expiring-card message was sent for."""
    return f"{card.exp_year:04d}-{card.exp_month:02d}"


def _last_day(card: AutopayCard) -> date | None:
    """A card works through the last day of its expiry month."""
    if not (card.exp_month and card.exp_year):
        return None
    return date(card.exp_year, card.exp_month, calendar.monthrange(card.exp_year, card.exp_month)[1])


def expires_soon(card: AutopayCard, today: date) -> bool:
    """The card stops working within EXPIRY_WARNING_DAYS, or has."""
    last_day = _last_day(card)
    return last_day is not None and last_day <= today + timedelta(days=EXPIRY_WARNING_DAYS)


def has_expired(card: AutopayCard, today: date) -> bool:
    last_day = _last_day(card)
    return last_day is not None and last_day < today


def card_state(card: AutopayCard | None) -> str:
    """none (never saved a card), on, off (she or her trainer turned it off), removed (the card is gone)."""
    if card is None or not card.last4:
        return "none"
    if card.stripe_payment_method_id is None:
        return "removed"
    return "on" if card.enabled else "off"


def card_of(client_id: int) -> AutopayCard | None:
    return db.session.scalar(select(AutopayCard).where(AutopayCard.client_id == client_id))


def cards_by_client(trainer_id: int) -> dict[int, AutopayCard]:
    """Her clients' cards in one read, for the client list's badges."""
    rows = db.session.scalars(select(AutopayCard).where(AutopayCard.trainer_id == trainer_id))
    return {card.client_id: card for card in rows}


def knows_account(account: str | None) -> bool:
    return bool(account) and db.session.scalar(
        select(AutopayCard.id).where(AutopayCard.stripe_account_id == account).limit(1)) is not None


# The Customer her cards are saved to

def customer_for_checkout(client_id: int) -> str:
    """The client's Customer on her trainer's current account, made (and stored) the first time. Stripe
    answers a repeated create under the same key with the same Customer, so a lost answer makes no second."""
    client = db.session.get(Client, client_id)
    trainer = db.session.get(Trainer, client.trainer_id)
    account = trainer.stripe_account_id
    card = card_of(client_id)
    if card is not None and card.stripe_account_id == account:
        return card.stripe_customer_id
    request = dict(stripe_account=account, idempotency_key=f"autopay-customer-{client.id}-{account}",
                   name=client.name, email=client.email, metadata={"client_id": str(client.id)})
    db.session.commit()  # no transaction held open while Stripe is called
    customer_id = stripe_api.create_customer(**request)
    card = card_of(client_id)
    if card is None:
        db.session.add(AutopayCard(trainer_id=trainer.id, client_id=client.id, stripe_account_id=account,
                                   stripe_customer_id=customer_id, enabled=False))
    elif card.stripe_account_id != account:  # she connected another account: the old card is not on it
        _forget_card(card)
        card.stripe_account_id, card.stripe_customer_id, card.enabled = account, customer_id, False
    try:
        db.session.commit()
    except IntegrityError:  # the same press twice at once: the other one stored the same Customer
        db.session.rollback()
    return card_of(client_id).stripe_customer_id


def _forget_card(card: AutopayCard) -> None:
    card.stripe_payment_method_id, card.brand, card.last4 = None, "", ""
    card.exp_month = card.exp_year = None


def start_setup(client_id: int, success_url: str, cancel_url: str) -> str:
    """The Checkout URL (setup mode) where the client saves a card for auto-pay; nothing is charged."""
    client = db.session.get(Client, client_id)
    trainer = db.session.get(Trainer, client.trainer_id)
    if client.archived_at is not None or not card_payments_available(trainer):
        raise AutopayError(NOT_OFFERED)
    try:
        customer_id = customer_for_checkout(client_id)
        session = stripe_api.create_setup_session(
            stripe_account=trainer.stripe_account_id, customer_id=customer_id, currency=trainer.currency,
            # One key per press: a press never pays anything, and a second press is a second page.
            idempotency_key=f"autopay-setup-{client_id}-{secrets.token_hex(8)}",
            metadata={"client_id": str(client_id), "autopay": "setup"}, success_url=success_url,
            cancel_url=cancel_url)
    except ProviderRefused as e:
        log.warning("Stripe refused a setup session for client %s: %s", client_id, e)
        raise AutopayError(NOT_OFFERED) from e
    except PaymentProviderError as e:
        raise AutopayError(UNREACHABLE, retry=True) from e
    return session.url


# Saving the card Checkout collected (from the webhook, or the client's return)

Store = Callable[[], None]


def _nothing() -> None:
    return None


def fetch_saved_card(account: str, session: CheckoutSession, intent: PaymentIntent | None) -> Store:
    """Reads from Stripe the card a completed session saved to one of our Customers; returns how to store
    it (a no-op when it saved none). Stripe out of reach raises: the webhook is delivered again."""
    if session.status != "complete" or not session.customer_id:
        return _nothing
    card = db.session.scalar(select(AutopayCard).where(AutopayCard.stripe_account_id == account,
                                                       AutopayCard.stripe_customer_id == session.customer_id))
    if card is None:
        return _nothing
    client_id, customer_id = card.client_id, card.stripe_customer_id
    db.session.commit()  # no transaction held open while Stripe is called
    try:
        if session.mode == "setup":
            pm_id = stripe_api.setup_intent_payment_method(account, session.setup_intent_id) \
                if session.setup_intent_id else None
        else:
            pm_id = intent.payment_method_id if intent is not None and intent.status == "succeeded" else None
        saved = stripe_api.retrieve_saved_card(account, pm_id) if pm_id else None
        if saved is None or saved.customer_id != customer_id:
            return _nothing  # paid without saving (or not saved yet)
        stripe_api.set_default_payment_method(account, customer_id, saved.id)
    except ProviderRefused as e:
        log.warning("could not read the card saved by checkout session %s: %s", session.id, e)
        return _nothing
    return lambda: _store(client_id, account, customer_id, saved, turn_on=True)


def _store(client_id: int, account: str, customer_id: str, saved: SavedCard, turn_on: bool) -> None:
    """The client's one AutopayCard row brought to what Stripe says: the same card stored twice is one card."""
    card = db.session.scalar(select(AutopayCard).where(AutopayCard.client_id == client_id).with_for_update())
    if card is None or (card.stripe_account_id, card.stripe_customer_id) != (account, customer_id):
        return
    card.stripe_payment_method_id, card.brand, card.last4 = saved.id, saved.brand, saved.last4
    card.exp_month, card.exp_year = saved.exp_month, saved.exp_year
    if turn_on and not card.enabled:
        card.enabled, card.turned_off_at = True, None


def settle_setup_return(client_id: int, session_id: str) -> None:
    """The client is back from setup-mode Checkout. The session id in her URL is only a hint: it must be a
    session of her own Customer, and what is stored is what Stripe says. If Stripe cannot be asked now,
    the webhook will bring the card."""
    card = card_of(client_id)
    if card is None:
        return
    account, customer_id = card.stripe_account_id, card.stripe_customer_id
    db.session.commit()
    try:
        session = stripe_api.retrieve_checkout_session(account, session_id)
        if session.customer_id != customer_id:
            return
        store = fetch_saved_card(account, session, None)
    except PaymentProviderError as e:
        log.warning("could not read setup session %s on return: %s", session_id, e)
        return
    store()
    db.session.commit()


# Auto-pay off

def turn_off(client_id: int) -> AutopayCard | None:
    """Auto-pay off (the card stays saved, nothing is charged): the same answer however often it is pressed.
    Her Stripe draft invoice is deleted by the sync enqueued after the commit."""
    card = db.session.scalar(select(AutopayCard).where(AutopayCard.client_id == client_id).with_for_update())
    if card is not None and card.enabled:
        card.enabled, card.turned_off_at = False, utcnow()
    db.session.commit()
    stripe_sync.after_client_change(client_id)
    return card


def turn_off_for_trainer(trainer_id: int, client_id: int) -> AutopayCard | None:
    """The trainer turns a client's auto-pay off (LookupError for another trainer's client)."""
    require_owned(Client, trainer_id, client_id)
    return turn_off(client_id)


# Webhooks: payment_method.detached and customer.updated, re-fetched

def fetch_detached(account: str, pm_id: str | None) -> Store:
    """A card removed from its Customer (in the dashboard, or by the client's bank): no more charges."""
    if not pm_id:
        return _nothing
    db.session.commit()
    try:
        saved = stripe_api.retrieve_saved_card(account, pm_id)
    except ProviderRefused:
        saved = None  # gone altogether: removed all the same
    return lambda: _mark_removed(account, pm_id, saved)


def _mark_removed(account: str, pm_id: str, saved: SavedCard | None) -> None:
    card = db.session.scalar(select(AutopayCard).where(AutopayCard.stripe_account_id == account,
                                                       AutopayCard.stripe_payment_method_id == pm_id).with_for_update())
    if card is not None and (saved is None or saved.customer_id != card.stripe_customer_id):
        card.stripe_payment_method_id = None


def fetch_customer(account: str, customer_id: str | None) -> Store:
    """The Customer's default card changed: its brand, last 4 and expiry as Stripe has them now."""
    if not customer_id:
        return _nothing
    card = db.session.scalar(select(AutopayCard).where(AutopayCard.stripe_account_id == account,
                                                       AutopayCard.stripe_customer_id == customer_id))
    if card is None:
        return _nothing
    client_id, stored_pm = card.client_id, card.stripe_payment_method_id
    db.session.commit()
    customer = stripe_api.retrieve_customer(account, customer_id)
    pm_id = customer.default_payment_method_id
    if customer.deleted or not pm_id or pm_id == stored_pm:
        return _nothing  # a removed card is payment_method.detached's to say
    saved = stripe_api.retrieve_saved_card(account, pm_id)
    if saved.customer_id != customer_id:
        return _nothing
    return lambda: _store(client_id, account, customer_id, saved, turn_on=False)

