"""Stripe invoices and invoice items on a trainer's connected account, behind small functions: the draft
kept in line with Spotter's, its finalization, and paying, voiding or marking it uncollectible.

Plain values in, the dataclasses below or the typed errors of `stripe_payments` out (a declined card is
CardDeclined with the issuer's decline code, 3D Secure asked for is ActionRequired). Every write takes an
idempotency key from its caller; `replayed` says Stripe answered with the first answer to that key.
"""
from dataclasses import dataclass, field

from app.integrations.stripe_payments import _client, _request

LIST_PAGE = 100  # Stripe's largest page


@dataclass(frozen=True)
class StripeInvoice:
    id: str
    status: str  # draft | open | paid | void | uncollectible
    hosted_invoice_url: str | None
    number: str | None
    customer: str | None = None
    amount_due: int = 0
    amount_paid: int = 0
    payment_intent_id: str | None = None
    metadata: dict = field(default_factory=dict)
    replayed: bool = False


@dataclass(frozen=True)
class StripeInvoiceItem:
    id: str
    invoice_id: str | None
    amount: int
    quantity: int
    description: str
    metadata: dict = field(default_factory=dict)
    replayed: bool = False


def _replayed(obj) -> bool:
    response = obj.last_response
    return bool(response and response.headers.get("Idempotent-Replayed") == "true")


def _invoice(obj) -> StripeInvoice:
    data = obj.to_dict()
    intent = data.get("payment_intent")
    return StripeInvoice(id=data["id"], status=data.get("status") or "", number=data.get("number"),
                         hosted_invoice_url=data.get("hosted_invoice_url"), customer=data.get("customer"),
                         amount_due=int(data.get("amount_due") or 0), amount_paid=int(data.get("amount_paid") or 0),
                         payment_intent_id=intent["id"] if isinstance(intent, dict) else intent,
                         metadata=dict(data.get("metadata") or {}), replayed=_replayed(obj))


def _item(data: dict, replayed: bool = False) -> StripeInvoiceItem:
    return StripeInvoiceItem(id=data["id"], invoice_id=data.get("invoice"), amount=int(data.get("amount") or 0),
                             quantity=int(data.get("quantity") or 0), description=data.get("description") or "",
                             metadata=dict(data.get("metadata") or {}), replayed=replayed)


def _options(account: str, key: str | None = None) -> dict:
    return {"stripe_account": account, **({"idempotency_key": key} if key else {})}


def create_invoice(account: str, customer_id: str, metadata: dict, idempotency_key: str) -> StripeInvoice:
    """A draft that is charged to the saved card, never advanced by Stripe on its own, and holds only the
    items put on it (no pending items of the customer)."""
    params = {"customer": customer_id, "collection_method": "charge_automatically", "auto_advance": False,
              "pending_invoice_items_behavior": "exclude", "metadata": metadata}
    return _invoice(_request(_client().v1.invoices.create, params, _options(account, idempotency_key)))


def retrieve_invoice(account: str, invoice_id: str) -> StripeInvoice:
    return _invoice(_request(_client().v1.invoices.retrieve, invoice_id, options=_options(account)))


def delete_invoice(account: str, invoice_id: str) -> None:
    """Deletes a draft for good. A finalized invoice is refused (ProviderRefused, invoice_not_editable); one
    already deleted is ObjectNotFound (resource_missing)."""
    _request(_client().v1.invoices.delete, invoice_id, options=_options(account))


def finalize_invoice(account: str, invoice_id: str, idempotency_key: str) -> StripeInvoice:
    """Open, numbered, with its hosted page; auto_advance stays off, so Spotter decides when it is charged."""
    return _invoice(_request(_client().v1.invoices.finalize_invoice, invoice_id, {"auto_advance": False},
                             _options(account, idempotency_key)))


def pay_invoice(account: str, invoice_id: str, idempotency_key: str) -> StripeInvoice:
    """Charges the customer's default card now. Raises CardDeclined (with the issuer's decline code),
    ActionRequired (3D Secure asked for) or another ProviderRefused (not payable: paid, void)."""
    return _invoice(_request(_client().v1.invoices.pay, invoice_id, options=_options(account, idempotency_key)))


def void_invoice(account: str, invoice_id: str, idempotency_key: str) -> StripeInvoice:
    return _invoice(_request(_client().v1.invoices.void_invoice, invoice_id,
                             options=_options(account, idempotency_key)))


def mark_uncollectible(account: str, invoice_id: str, idempotency_key: str) -> StripeInvoice:
    return _invoice(_request(_client().v1.invoices.mark_uncollectible, invoice_id,
                             options=_options(account, idempotency_key)))


def list_invoice_items(account: str, invoice_id: str) -> list[StripeInvoiceItem]:
    """Every item on the invoice: one call for up to 100 items."""
    items, after = [], None
    while True:
        params = {"invoice": invoice_id, "limit": LIST_PAGE, **({"starting_after": after} if after else {})}
        page = _request(_client().v1.invoice_items.list, params, _options(account)).to_dict()
        items += [_item(data) for data in page["data"]]
        if not page.get("has_more") or not page["data"]:
            return items
        after = page["data"][-1]["id"]


def _item_params(quantity: int, unit_amount_cents: int, description: str) -> dict:
    return {"quantity": quantity, "unit_amount_decimal": str(unit_amount_cents), "description": description}


def create_invoice_item(account: str, *, invoice_id: str, customer_id: str, currency: str, quantity: int,
                        unit_amount_cents: int, description: str, metadata: dict,
                        idempotency_key: str) -> StripeInvoiceItem:
    params = {"invoice": invoice_id, "customer": customer_id, "currency": currency.lower(), "metadata": metadata,
              **_item_params(quantity, unit_amount_cents, description)}
    obj = _request(_client().v1.invoice_items.create, params, _options(account, idempotency_key))
    return _item(obj.to_dict(), _replayed(obj))


def update_invoice_item(account: str, item_id: str, *, quantity: int, unit_amount_cents: int, description: str,
                        idempotency_key: str) -> StripeInvoiceItem:
    obj = _request(_client().v1.invoice_items.update, item_id, _item_params(quantity, unit_amount_cents, description),
                   _options(account, idempotency_key))
    return _item(obj.to_dict(), _replayed(obj))


def delete_invoice_item(account: str, item_id: str) -> None:
    _request(_client().v1.invoice_items.delete, item_id, options=_options(account))
