"""Stripe invoices charged automatically on a trainer's connected account: read, pay, void, mark
uncollectible. Built on the one Stripe client of `stripe_payments` (its errors, its connection)."""
from dataclasses import dataclass, field

from app.integrations.stripe_payments import _call, _client


@dataclass(frozen=True)
class StripeInvoice:
    id: str
    status: str  # draft | open | paid | void | uncollectible
    customer: str | None
    amount_due: int
    amount_paid: int
    hosted_invoice_url: str
    payment_intent_id: str | None
    metadata: dict = field(default_factory=dict)


def _invoice(obj: dict) -> StripeInvoice:
    intent = obj.get("payment_intent")
    return StripeInvoice(id=obj["id"], status=obj.get("status") or "", customer=obj.get("customer"),
                         amount_due=int(obj.get("amount_due") or 0), amount_paid=int(obj.get("amount_paid") or 0),
                         hosted_invoice_url=obj.get("hosted_invoice_url") or "",
                         payment_intent_id=intent["id"] if isinstance(intent, dict) else intent,
                         metadata=dict(obj.get("metadata") or {}))


def retrieve_invoice(stripe_account: str, invoice_id: str) -> StripeInvoice:
    return _invoice(_call(_client().v1.invoices.retrieve, invoice_id, options={"stripe_account": stripe_account}))


def pay_invoice(stripe_account: str, invoice_id: str, idempotency_key: str) -> StripeInvoice:
    """Charges the customer's default card now. Raises CardDeclined (with the issuer's decline code),
    ActionRequired (3D Secure asked for) or another ProviderRefused (not payable: paid, void)."""
    options = {"stripe_account": stripe_account, "idempotency_key": idempotency_key}
    return _invoice(_call(_client().v1.invoices.pay, invoice_id, options=options))


def void_invoice(stripe_account: str, invoice_id: str, idempotency_key: str) -> StripeInvoice:
    options = {"stripe_account": stripe_account, "idempotency_key": idempotency_key}
    return _invoice(_call(_client().v1.invoices.void_invoice, invoice_id, options=options))


def mark_uncollectible(stripe_account: str, invoice_id: str, idempotency_key: str) -> StripeInvoice:
    options = {"stripe_account": stripe_account, "idempotency_key": idempotency_key}
    return _invoice(_call(_client().v1.invoices.mark_uncollectible, invoice_id, options=options))
