"""The invoice.* webhooks of auto-pay: the invoice and its payment re-read from Stripe, then applied."""
from collections.abc import Callable
from datetime import datetime, timezone

from app.integrations import stripe_invoices
from app.integrations import stripe_payments as stripe_api
from app.services import autopay_ledger


def concerns_us(account: str) -> bool:
    return autopay_ledger.knows_account(account)


def fetch(event_type: str, account: str, stripe_invoice_id: str, created: int | None = None) -> Callable:
    """Reads the invoice (and its payment intent) as Stripe has them now; returns how to apply them. The
    event's `created` says which charge attempt its news is about."""
    stripe_invoice = stripe_invoices.retrieve_invoice(account, stripe_invoice_id)
    intent = stripe_api.retrieve_payment_intent(account, stripe_invoice.payment_intent_id) \
        if stripe_invoice.payment_intent_id else None
    happened_at = datetime.fromtimestamp(created, timezone.utc) if created is not None else None
    return lambda: autopay_ledger.apply_invoice(event_type, account, stripe_invoice, intent, happened_at=happened_at)
