"""Stripe, behind small functions. The only module that imports the stripe SDK.

Plain values in, plain values (the dataclasses below) or typed errors out. Every call on a trainer's
behalf names her connected account (`stripe_account`): card payments are direct charges on it.
"""
import json
import time
from dataclasses import dataclass, field

import stripe
from flask import current_app


class PaymentProviderError(Exception):
    """Stripe could not do what was asked."""


class ProviderUnreachable(PaymentProviderError):
    """No answer (refused, dropped, timed out, 5xx): the request may or may not have been applied."""


class ProviderRefused(PaymentProviderError):
    """Stripe answered with a refusal (4xx). `code` is Stripe's error code, if any."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class ObjectNotFound(ProviderRefused):
    """No such object on that account."""


class CardDeclined(ProviderRefused):
    """The card was declined (402 card_error): `decline_code` is the issuer's reason, as Stripe names it."""

    def __init__(self, message: str, code: str | None = None, decline_code: str | None = None):
        super().__init__(message, code)
        self.decline_code = decline_code or code or "generic_decline"


class ActionRequired(ProviderRefused):
    """The bank asks the card holder to authenticate (3D Secure) before the payment can go through."""


class InvalidSignature(PaymentProviderError):
    """A webhook whose signature, or timestamp, does not check out."""


class MalformedEvent(PaymentProviderError):
    """A webhook correctly signed whose body is not a Stripe event we can read (a field missing or of
    the wrong type)."""


@dataclass(frozen=True)
class ConnectedAccount:
    id: str
    charges_enabled: bool
    details_submitted: bool


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    status: str  # open | complete | expired
    payment_intent_id: str | None
    metadata: dict = field(default_factory=dict)
    mode: str = "payment"  # payment | setup
    customer_id: str | None = None
    setup_intent_id: str | None = None


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    status: str  # processing | succeeded | requires_payment_method | canceled | ...
    amount: int
    amount_received: int
    amount_refunded: int
    metadata: dict = field(default_factory=dict)
    payment_method_id: str | None = None
    customer_id: str | None = None
    decline_code: str = ""  # the issuer's reason for the last failed attempt, if any


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    account: str | None
    object_id: str | None  # the id of what the event is about (data.object.id)
    payment_intent_id: str | None  # data.object.payment_intent, on sessions and charges
    created: int | None = None  # when the event happened at Stripe (Unix seconds), not when it was delivered


def _client() -> stripe.StripeClient:
    """One client per app and settings, so calls reuse their connection to Stripe (the SDK keeps one
    requests session per thread) instead of opening a TLS connection each time."""
    config = current_app.config
    settings = (config["STRIPE_SECRET_KEY"], config.get("STRIPE_API_BASE") or "", config["STRIPE_TIMEOUT_SECONDS"])
    cached = current_app.extensions.get("stripe_client")
    if cached is None or cached[0] != settings:
        secret, api_base, timeout = settings
        # No retries inside the SDK: a create is retried by the app, with the key it stored first.
        client = stripe.StripeClient(secret, base_addresses={"api": api_base.rstrip("/")} if api_base else None,
                                     max_network_retries=0, http_client=stripe.RequestsClient(timeout=timeout))
        cached = current_app.extensions["stripe_client"] = (settings, client)
    return cached[1]


def _call(fn, *args, **kwargs) -> dict:
    """Runs one SDK call; the object it returns as a plain dict, the SDK's exceptions as ours."""
    return _request(fn, *args, **kwargs).to_dict()


def _request(fn, *args, **kwargs) -> stripe.StripeObject:
    """Runs one SDK call; the SDK's object (with its `last_response`), the SDK's exceptions as ours."""
    try:
        return fn(*args, **kwargs)
    except stripe.APIConnectionError as e:
        raise ProviderUnreachable(f"Could not reach Stripe: {e.user_message or e}") from e
    except stripe.CardError as e:
        if e.code == "invoice_payment_intent_requires_action":  # a 402, but nothing was declined
            raise ActionRequired(e.user_message or str(e), e.code) from e
        raise CardDeclined(e.user_message or str(e), e.code, getattr(e.error, "decline_code", None)) from e
    except stripe.StripeError as e:
        if e.http_status == 404 or e.code == "resource_missing":
            raise ObjectNotFound(e.user_message or str(e), e.code) from e
        if e.http_status is None or e.http_status == 429 or e.http_status >= 500:
            raise ProviderUnreachable(f"Stripe answered {e.http_status}: {e.user_message or e}") from e
        raise ProviderRefused(e.user_message or str(e), e.code) from e


def _account(obj: dict) -> ConnectedAccount:
    return ConnectedAccount(id=obj["id"], charges_enabled=bool(obj.get("charges_enabled")),
                            details_submitted=bool(obj.get("details_submitted")))


def create_connected_account(email: str, trainer_id: int) -> ConnectedAccount:
    """A Standard account: the trainer owns it and its dashboard; her clients' cards are charged on it."""
    params = {"type": "standard", "email": email, "metadata": {"trainer_id": str(trainer_id)}}
    return _account(_call(_client().v1.accounts.create, params))


def retrieve_account(account_id: str) -> ConnectedAccount:
    return _account(_call(_client().v1.accounts.retrieve, account_id))


def create_account_link(account_id: str, refresh_url: str, return_url: str) -> str:
    """The URL of Stripe's hosted onboarding for this account (short-lived, single use)."""
    params = {"account": account_id, "refresh_url": refresh_url, "return_url": return_url,
              "type": "account_onboarding"}
    return _call(_client().v1.account_links.create, params)["url"]


def _id_of(value) -> str | None:
    """An expandable field: the object's id whether Stripe sent the object or only its id."""
    return value["id"] if isinstance(value, dict) else value


def _session(obj: dict) -> CheckoutSession:
    return CheckoutSession(id=obj["id"], url=obj.get("url") or "", status=obj.get("status") or "",
                           payment_intent_id=_id_of(obj.get("payment_intent")),
                           metadata=dict(obj.get("metadata") or {}), mode=obj.get("mode") or "payment",
                           customer_id=_id_of(obj.get("customer")), setup_intent_id=_id_of(obj.get("setup_intent")))


def create_checkout_session(*, stripe_account: str, idempotency_key: str, amount_cents: int, currency: str,
                            description: str, metadata: dict, success_url: str, cancel_url: str,
                            fee_cents: int = 0, save_for_customer: str | None = None) -> CheckoutSession:
    """A Checkout Session for one amount, charged directly on the connected account. The same key
    and parameters give back the session the first call made, even if its answer never arrived.
    `save_for_customer`: the card paid with is also saved to that Customer for later charges."""
    intent_data = {"metadata": metadata, "description": description}
    if fee_cents > 0:
        intent_data["application_fee_amount"] = fee_cents
    extra = {}
    if save_for_customer:
        intent_data["setup_future_usage"] = "off_session"
        extra["customer"] = save_for_customer
    params = {"mode": "payment", "success_url": success_url, "cancel_url": cancel_url, "metadata": metadata,
              "line_items": [{"quantity": 1, "price_data": {"currency": currency.lower(), "unit_amount": amount_cents,
                                                            "product_data": {"name": description}}}],
              "payment_intent_data": intent_data, **extra}
    options = {"stripe_account": stripe_account, "idempotency_key": idempotency_key}
    return _session(_call(_client().v1.checkout.sessions.create, params, options))


def retrieve_checkout_session(stripe_account: str, session_id: str) -> CheckoutSession:
    return _session(_call(_client().v1.checkout.sessions.retrieve, session_id,
                          options={"stripe_account": stripe_account}))


def expire_checkout_session(stripe_account: str, session_id: str) -> CheckoutSession:
    """Nobody can pay an expired session. Refused (ProviderRefused) unless the session is open."""
    return _session(_call(_client().v1.checkout.sessions.expire, session_id,
                          options={"stripe_account": stripe_account}))


def retrieve_payment_intent(stripe_account: str, intent_id: str) -> PaymentIntent:
    """The payment as Stripe has it now, with what has been refunded of its charge."""
    obj = _call(_client().v1.payment_intents.retrieve, intent_id, {"expand": ["latest_charge"]},
                {"stripe_account": stripe_account})
    charge = obj.get("latest_charge")
    refunded = int(charge.get("amount_refunded") or 0) if isinstance(charge, dict) else 0
    return PaymentIntent(id=obj["id"], status=obj.get("status") or "", amount=int(obj.get("amount") or 0),
                         amount_received=int(obj.get("amount_received") or 0), amount_refunded=refunded,
                         metadata=dict(obj.get("metadata") or {}), payment_method_id=_id_of(obj.get("payment_method")),
                         customer_id=_id_of(obj.get("customer")), decline_code=_decline_code(obj))


# Saved cards (auto-pay): a Customer on the connected account, and the card saved to her.

@dataclass(frozen=True)
class Customer:
    id: str
    default_payment_method_id: str | None
    deleted: bool = False


@dataclass(frozen=True)
class SavedCard:
    """What a card payment method says about itself: never its number."""
    id: str
    customer_id: str | None  # None once detached
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None


def create_customer(*, stripe_account: str, idempotency_key: str, name: str, email: str | None,
                    metadata: dict) -> str:
    params = {"name": name, "metadata": metadata, **({"email": email} if email else {})}
    options = {"stripe_account": stripe_account, "idempotency_key": idempotency_key}
    return _call(_client().v1.customers.create, params, options)["id"]


def retrieve_customer(stripe_account: str, customer_id: str) -> Customer:
    obj = _call(_client().v1.customers.retrieve, customer_id, options={"stripe_account": stripe_account})
    settings = obj.get("invoice_settings") or {}
    return Customer(id=obj["id"], default_payment_method_id=_id_of(settings.get("default_payment_method")),
                    deleted=bool(obj.get("deleted")))


def set_default_payment_method(stripe_account: str, customer_id: str, payment_method_id: str) -> None:
    """The card her invoices are charged to when nothing else is named."""
    _call(_client().v1.customers.update, customer_id,
          {"invoice_settings": {"default_payment_method": payment_method_id}}, {"stripe_account": stripe_account})


def retrieve_saved_card(stripe_account: str, payment_method_id: str) -> SavedCard:
    obj = _call(_client().v1.payment_methods.retrieve, payment_method_id, options={"stripe_account": stripe_account})
    card = obj.get("card") or {}
    return SavedCard(id=obj["id"], customer_id=_id_of(obj.get("customer")), brand=str(card.get("brand") or ""),
                     last4=str(card.get("last4") or ""), exp_month=card.get("exp_month"), exp_year=card.get("exp_year"))


def setup_intent_payment_method(stripe_account: str, setup_intent_id: str) -> str | None:
    """The card a setup-mode Checkout saved (None until it succeeded)."""
    obj = _call(_client().v1.setup_intents.retrieve, setup_intent_id, options={"stripe_account": stripe_account})
    return _id_of(obj.get("payment_method")) if obj.get("status") == "succeeded" else None


def create_setup_session(*, stripe_account: str, idempotency_key: str, customer_id: str, currency: str,
                         metadata: dict, success_url: str, cancel_url: str) -> CheckoutSession:
    """Checkout in setup mode: the client types a card, Stripe saves it to her Customer, nothing is charged."""
    params = {"mode": "setup", "customer": customer_id, "currency": currency.lower(), "metadata": metadata,
              "success_url": success_url, "cancel_url": cancel_url,
              "setup_intent_data": {"metadata": metadata}}
    options = {"stripe_account": stripe_account, "idempotency_key": idempotency_key}
    return _session(_call(_client().v1.checkout.sessions.create, params, options))


def _decline_code(intent: dict) -> str:
    error = intent.get("last_payment_error")
    return (error.get("decline_code") or error.get("code") or "") if isinstance(error, dict) else ""


def construct_webhook_event(payload: bytes, sig_header: str | None) -> WebhookEvent:
    """Checks the Stripe-Signature header against the raw body (Stripe's own check, which refuses
    timestamps older than the tolerance) and refuses timestamps as far in the future too."""
    config = current_app.config
    tolerance = config["STRIPE_WEBHOOK_TOLERANCE_SECONDS"]
    try:
        stripe.WebhookSignature.verify_header(payload, sig_header, config["STRIPE_WEBHOOK_SECRET"], tolerance)
    except (stripe.SignatureVerificationError, ValueError) as e:
        raise InvalidSignature(str(e)) from e
    if _signed_at(sig_header) > time.time() + tolerance:
        raise InvalidSignature("Timestamp too far in the future")
    try:
        return _event(json.loads(payload))
    except (ValueError, RecursionError) as e:  # RecursionError: JSON nested too deep to read
        raise MalformedEvent(f"Not a Stripe event: {e}") from e


def _event(data) -> WebhookEvent:
    """The fields of an event that the app reads, each checked for its type: ValueError otherwise."""
    envelope = data if isinstance(data, dict) else {}
    body = envelope.get("data")
    obj = body.get("object") if isinstance(body, dict) else None
    if not isinstance(obj, dict):
        raise ValueError("no data.object")
    if not (_is_id(envelope.get("id")) and _is_id(envelope.get("type"), longest=100)):
        raise ValueError("the event's id or type is missing or not text")
    return WebhookEvent(id=envelope["id"], type=envelope["type"], account=_optional_id(envelope, "account"),
                        object_id=_optional_id(obj, "id"), payment_intent_id=_optional_id(obj, "payment_intent"),
                        created=_optional_time(envelope, "created"))


def _is_id(value, longest: int = 255) -> bool:
    return isinstance(value, str) and 0 < len(value) <= longest


def _optional_id(fields: dict, name: str) -> str | None:
    value = fields.get(name)
    if value is not None and not _is_id(value):
        raise ValueError(f"{name} is not an id")
    return value


def _optional_time(fields: dict, name: str) -> int | None:
    value = fields.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"{name} is not a time")
    return value


def _signed_at(sig_header: str) -> int:
    parts = dict(item.split("=", 1) for item in sig_header.split(",") if "=" in item)
    return int(parts["t"])
