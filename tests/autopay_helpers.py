"""Auto-pay test helpers: the state sync leaves at the end of a cycle (a sent invoice, its finalized
Stripe invoice on the trainer's account, our StripeCurrentInvoice row) and what charging it leaves."""
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import ChargeAttempt, Invoice, OutboxMessage, StripeCurrentInvoice
from app.models.types import utcnow
from tests import factories
from tests.stripe_helpers import connected_trainer, sent_invoice


def autopay_invoice(fake_stripe, card_result: str = "ok", trainer=None, state: str = "open",
                    invoice: Invoice | None = None) -> tuple[Invoice, str]:
    """An open invoice (a new $80.00 one, unless given) of a client on auto-pay, finalized at Stripe:
    (invoice, Stripe invoice id)."""
    trainer = trainer or connected_trainer(fake_stripe)
    invoice = invoice or sent_invoice(trainer)
    card = factories.make_autopay_card(invoice.client, stripe_account_id=trainer.stripe_account_id)
    fake_stripe.card_results[card.stripe_customer_id] = card_result
    stripe_id = fake_stripe.create_open_invoice(trainer.stripe_account_id, card.stripe_customer_id,
                                                invoice.due_cents, {"invoice_id": str(invoice.id)})
    db.session.add(StripeCurrentInvoice(
        trainer_id=trainer.id, invoice_id=invoice.id, stripe_account_id=trainer.stripe_account_id,
        stripe_invoice_id=stripe_id, state=state, synced_version=invoice.version,
        finalized_at=utcnow() if state == "open" else None,
        hosted_invoice_url=fake_stripe.invoices[stripe_id]["hosted_invoice_url"]))
    db.session.commit()
    return invoice, stripe_id


def customer_of(fake_stripe, stripe_id: str) -> str:
    return fake_stripe.invoices[stripe_id]["customer"]


def attempts(invoice_id: int) -> list[ChargeAttempt]:
    db.session.expire_all()
    return list(db.session.scalars(select(ChargeAttempt).where(ChargeAttempt.invoice_id == invoice_id)
                                   .order_by(ChargeAttempt.attempt_no)))


def current_of(invoice_id: int) -> StripeCurrentInvoice:
    db.session.expire_all()
    return db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice_id))


def failure_messages(invoice_id: int) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.invoice_id == invoice_id, OutboxMessage.kind == "payment_failed").order_by(OutboxMessage.id)))


def attempt_one_a_minute_ago(invoice_id: int, event: dict) -> dict:
    """Attempt 1, and the event Stripe made about it, moved a minute back: news of attempt 1 that is
    delivered late, after attempt 2 was scheduled or started."""
    event["created"] -= 60
    attempts(invoice_id)[0].attempted_at -= timedelta(seconds=60)
    db.session.commit()
    return event
