"""Card-payment test helpers: a trainer with a connected account, her sent invoice, the client's
"Pay by card", and webhook events signed with the stripe library's own signature helper."""
import json
import time

import stripe
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, InvoiceEvent, OutboxMessage, Payment, StripeEvent, Trainer
from app.services.links import token_for
from tests import factories
from tests.texting_helpers import submit_invoices

WEBHOOK_SECRET = "whsec_test_secret"
WEBHOOK_URL = "/webhooks/stripe"


def connected_trainer(fake_stripe, charges_enabled: bool = True, **overrides) -> Trainer:
    """A trainer whose Stripe account (on the fake) can take cards."""
    trainer = factories.make_trainer(**overrides)
    trainer.stripe_account_id = fake_stripe.add_account(charges_enabled=charges_enabled)
    trainer.stripe_charges_enabled = trainer.stripe_details_submitted = charges_enabled
    db.session.commit()
    return trainer


def sent_invoice(trainer: Trainer) -> Invoice:
    """A new open invoice, texted to a client who takes texts (so a receipt can go out)."""
    messages = submit_invoices(trainer)
    return db.session.get(Invoice, messages[-1].invoice_id)


def open_checkout(browser, fake_stripe) -> tuple[Invoice, str]:
    """A client who pressed "Pay by card" on her $80.00 invoice: (invoice, checkout session id)."""
    trainer = connected_trainer(fake_stripe)
    invoice = sent_invoice(trainer)
    assert press_pay_by_card(browser, invoice).status_code == 303
    [session] = fake_stripe.sessions_on(trainer.stripe_account_id)
    return invoice, session["id"]


def pay_url(invoice: Invoice) -> str:
    return f"/i/{token_for(invoice)}/pay"


def press_pay_by_card(browser, invoice: Invoice):
    """The client opens her invoice link and presses "Pay by card"."""
    browser.get(f"/i/{token_for(invoice)}")
    return browser.post(pay_url(invoice))


def signature_header(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp or int(time.time()))


def deliver(client, event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    """Stripe delivering one event to the app, signed."""
    payload = json.dumps(event)
    return post_webhook(client, payload, {"Stripe-Signature": signature_header(payload, secret, timestamp)})


def post_webhook(client, payload: str, headers: dict):
    """A POST to the webhook as Stripe sends it: a raw JSON body with whatever headers are given."""
    return client.post(WEBHOOK_URL, data=payload, content_type="application/json", headers=headers)


def card_payments(invoice_id: int) -> list[Payment]:
    """Every payment on the invoice (card or not), fresh from the database."""
    db.session.expire_all()
    return list(db.session.scalars(select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)))


def receipts(invoice_id: int) -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.invoice_id == invoice_id, OutboxMessage.kind == "receipt"))


def history(invoice_id: int, kind: str) -> list[InvoiceEvent]:
    return list(db.session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == invoice_id,
                                                              InvoiceEvent.kind == kind)))


def stored_events() -> int:
    return db.session.scalar(select(func.count(StripeEvent.id)))


def unflagged_paid_cents(invoice_id: int) -> int:
    """What the client paid that nobody was asked to refund."""
    return sum(p.amount_cents - p.refunded_cents for p in card_payments(invoice_id)
               if p.status.value in ("succeeded", "refunded") and not p.refund_flag)
