"""The invoice.* webhooks of auto-pay: the invoice and its payment re-read from Stripe, then applied."""
from collections.abc import Callable

from app.integrations import stripe_invoices
from app.integrations import stripe_payments as stripe_api
from app.services import autopay_ledger


def concerns_us(account: str) -> bool:
    return autopay_ledger.knows_account(account)


def fetch(event_type: str, account: str, stripe_invoice_id: str) -> Callable:
    """Reads the invoice (and its payment intent) as Stripe has them now; returns how to apply them."""
    stripe_invoice = stripe_invoices.retrieve_invoice(account, stripe_invoice_id)
    intent = stripe_api.retrieve_payment_intent(account, stripe_invoice.payment_intent_id) \
        if stripe_invoice.payment_intent_id else None
    return lambda: autopay_ledger.apply_invoice(event_type, account, stripe_invoice, intent)
