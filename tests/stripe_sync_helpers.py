"""Auto-pay sync test helpers: a client on auto-pay with a draft of N sessions, and what the fake holds."""
from app.extensions import db
from app.models import Invoice, StripeCurrentInvoice
from app.services.billing_engine import build_drafts
from sqlalchemy import select
from tests import factories


def autopay_draft(fake_stripe, sessions: int = 3, trainer=None, account: str | None = None) -> Invoice:
    """A client on auto-pay (Visa •4242 on her trainer's account at the fake) with a draft of `sessions`
    sessions at $80.00."""
    trainer = trainer or factories.make_trainer()
    client = factories.make_client(trainer)
    factories.make_autopay_card(client, stripe_account_id=account or fake_stripe.add_account())
    for n in range(sessions):
        factories.make_session(client, days_ago=n + 1)
    [draft] = [d for d in build_drafts(trainer.id) if d.client_id == client.id]
    return draft


def current_of(invoice_id: int) -> StripeCurrentInvoice:
    db.session.expire_all()
    return db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice_id))


def stripe_items(fake_stripe, invoice_id: int) -> list[dict]:
    return fake_stripe.items_on(current_of(invoice_id).stripe_invoice_id)


def line_ids_at_stripe(fake_stripe, invoice_id: int) -> list[str]:
    return sorted(item["metadata"]["spotter_line_id"] for item in stripe_items(fake_stripe, invoice_id))
