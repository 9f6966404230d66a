"""Stripe's `invoice.finalized` for an auto-pay current invoice: the finalization recorded (state open, its
hosted page), and the client's next draft, if she has one, given its own current invoice."""
from sqlalchemy import select

from app.extensions import db
from app.integrations import stripe_invoices as api
from app.integrations.stripe_payments import WebhookEvent
from app.models import Invoice, InvoiceStatus, StripeCurrentInvoice
from app.models.types import utcnow
from app.services import stripe_sync

EVENTS = {"invoice.finalized"}


def _current(account: str, stripe_invoice_id: str | None) -> StripeCurrentInvoice | None:
    if not stripe_invoice_id:
        return None
    return db.session.scalar(select(StripeCurrentInvoice).where(
        StripeCurrentInvoice.stripe_account_id == account, StripeCurrentInvoice.stripe_invoice_id == stripe_invoice_id))


def concerns_us(event: WebhookEvent) -> bool:
    """An invoice Spotter made, on the account it made it on: anything else changes nothing."""
    return _current(event.account, event.object_id) is not None


def fetch(event: WebhookEvent):
    """The invoice as Stripe has it now (not as the event describes it); how to apply it."""
    stripe_invoice = api.retrieve_invoice(event.account, event.object_id)
    return lambda: apply_finalized(event.account, stripe_invoice)


def apply_finalized(account: str, stripe_invoice: api.StripeInvoice) -> None:
    current = _current(account, stripe_invoice.id)
    if current is None or stripe_invoice.status == "draft":
        return None
    if current.state == "draft":
        current.state = "open"
    current.hosted_invoice_url = current.hosted_invoice_url or stripe_invoice.hosted_invoice_url
    current.finalized_at = current.finalized_at or utcnow()
    invoice = db.session.get(Invoice, current.invoice_id)
    next_draft = db.session.scalar(select(Invoice.id).where(
        Invoice.trainer_id == invoice.trainer_id, Invoice.client_id == invoice.client_id,
        Invoice.status == InvoiceStatus.draft))
    if next_draft is not None:
        # Enqueued before this event's commit, and safe so: the sync reads only the draft and the card,
        # both committed already, and a sync with nothing to do writes nothing.
        stripe_sync.request_sync(next_draft)
    return None
