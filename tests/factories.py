"""Test data, made through the same models the app uses."""
import itertools
from datetime import datetime, timedelta, timezone

from app.extensions import db
from app.models import AutopayCard, Client, Invoice, InvoiceStatus, SessionStatus, Trainer, TrainingSession
from app.models.types import utcnow
from app.services import accounts

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_trainer(verified: bool = True, **overrides) -> Trainer:
    """A trainer whose mobile is verified, so her clients can be texted (`verified=False`: not yet)."""
    n = next(_seq)
    values = dict(email=f"trainer{n}@example.com", name=f"Trainer {n}", business_name=f"Gym {n}",
                  mobile="+14155550100", default_rate_cents=8000, timezone="America/New_York",
                  mobile_verified_at=utcnow() if verified else None)
    values.update(overrides)
    password = values.pop("password", PASSWORD)
    return accounts.create_trainer(values.pop("email"), password, **values)


def make_client(trainer: Trainer, **overrides) -> Client:
    n = next(_seq)
    values = dict(name=f"Client {n}", mobile=f"+1415555{n % 10000:04d}", sms_consent=True)
    values.update(overrides)
    client = Client(trainer_id=trainer.id, **values)
    db.session.add(client)
    db.session.commit()
    return client


def make_session(client: Client, *, days_ago: float = 1, **overrides) -> TrainingSession:
    values = dict(starts_at=datetime.now(timezone.utc) - timedelta(days=days_ago), duration_minutes=60,
                  rate_cents=client.default_rate_cents or 8000, status=SessionStatus.completed)
    values.update(overrides)
    session = TrainingSession(trainer_id=client.trainer_id, client_id=client.id, **values)
    db.session.add(session)
    db.session.commit()
    return session


def put_on_invoice(session: TrainingSession, number: int = 12) -> str:
    """Bills the session on an open invoice of its own; returns how messages name that invoice."""
    invoice = Invoice(trainer_id=session.trainer_id, client_id=session.client_id, number=number,
                      status=InvoiceStatus.open, total_cents=session.rate_cents)
    db.session.add(invoice)
    db.session.flush()
    session.invoice_id = invoice.id
    db.session.commit()
    return f"INV-{number:04d}"


def make_autopay_card(client: Client, **overrides) -> AutopayCard:
    """A Visa ending 4242 the client saved on her trainer's connected account, with auto-pay on."""
    n = next(_seq)
    values = dict(stripe_account_id=f"acct_test{client.trainer_id}", stripe_customer_id=f"cus_test{n}",
                  stripe_payment_method_id=f"pm_test{n}", brand="visa", last4="4242", exp_month=12,
                  exp_year=datetime.now(timezone.utc).year + 2, enabled=True)
    values.update(overrides)
    card = AutopayCard(trainer_id=client.trainer_id, client_id=client.id, **values)
    db.session.add(card)
    db.session.commit()
    return card
