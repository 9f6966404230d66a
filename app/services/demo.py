"""The demo trainer that `make run` seeds, so the app has something to show on first start."""
import random
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import (Client, CreditLot, DurationPrice, Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentMethod,
                        PaymentStatus, Plan, SessionStatus, Trainer, TrainingSession, ValidFrom)
from app.models.types import utcnow
from app.services import accounts, ledger, memberships, packs, plans
from app.services.links import new_public_id
from app.services.payments import count_on_account, refresh_paid_status
from app.timefmt import local_to_utc, local_today, to_local, zone
from datetime import datetime

DEMO_EMAIL = "demo@spotter.test"
DEMO_PASSWORD = "spotter-demo"
DEMO_CLIENTS = [
    ("Avery Johnson", "+14155550101", None), ("Blake Rivera", "+14155550102", 9000),
    ("Casey Nguyen", "+14155550103", None), ("Dana Whitfield", "+14155550104", 7500),
    ("Eli Brooks", "+14155550105", None), ("Frankie Moreau", "+14155550106", None),
    ("Gabriela Ortiz", "+14155550107", 8000), ("Harper Lee Chen", "+14155550108", None),
    ("Isaac Oyelaran", "+14155550109", None), ("Jordan Kim", None, None),
    ("Kai Anders", "+14155550111", 6500), ("Lucía Fernández", "+14155550112", None),
]


def seed_demo_trainer(skip_if_exists: bool = True) -> bool:
    """Creates the demo trainer, 12 clients and three weeks of sessions. False if it was there."""
    if db.session.scalar(select(Trainer.id).where(Trainer.email == DEMO_EMAIL)):
        if skip_if_exists:
            return False
        raise ValueError("the demo trainer exists already")
    trainer = accounts.create_trainer(
        DEMO_EMAIL, DEMO_PASSWORD, name="Sam Rivera", business_name="Rivera Strength",
        is_admin=True, mobile="+14155550100", mobile_verified_at=utcnow(), venmo_handle="rivera-strength",
        timezone="America/Los_Angeles", default_rate_cents=8500, payment_terms_days=7)
    rng = random.Random(7)
    clients = []
    for i, (name, mobile, rate) in enumerate(DEMO_CLIENTS):
        client = Client(trainer_id=trainer.id, name=name, mobile=mobile, default_rate_cents=rate,
                        sms_consent=mobile is not None and i != 5,
                        email=name.split()[0].lower() + "@example.com")
        db.session.add(client)
        clients.append(client)
    db.session.flush()
    today = local_today(trainer.timezone)
    now = datetime.now(zone(trainer.timezone)).replace(tzinfo=None)
    for days_ago in range(21, -1, -1):
        day = today - timedelta(days=days_ago)
        if day.weekday() == 6:
            continue
        for hour in rng.sample([6, 7, 8, 12, 17, 18, 19], k=rng.randint(2, 4)):
            start = datetime(day.year, day.month, day.day, hour)
            if start > now:
                continue
            client = rng.choice(clients)
            status = SessionStatus.no_show if rng.random() < 0.06 else SessionStatus.completed
            db.session.add(TrainingSession(
                trainer_id=trainer.id, client_id=client.id, starts_at=local_to_utc(start, trainer.timezone),
                duration_minutes=rng.choice([45, 60, 60, 60, 90]),
                rate_cents=client.default_rate_cents or trainer.default_rate_cents,
                status=status, no_show_chargeable=rng.random() < 0.5))
    pack_invoice = _seed_packs(trainer, clients[2], today)
    _paid(pack_invoice, pack_invoice.total_cents, PaymentMethod.venmo, today - timedelta(days=20))
    _seed_accounts(trainer, clients, today)
    db.session.commit()
    _seed_membership(trainer, clients[4], today)
    return True


def _seed_accounts(trainer: Trainer, clients: list[Client], today) -> None:
    """Pay-as-you-go clients billed last week (one paid in cash, one still owing and now overdue), and a
    client who paid more than her invoice by Venmo: the rest is her credit on account."""
    avery, blake, dana = clients[0], clients[1], clients[3]
    _sent_invoice(trainer, avery, today - timedelta(days=9), _demo_sessions(trainer, avery, today, (12, 10)))
    paid = _sent_invoice(trainer, blake, today - timedelta(days=7), _demo_sessions(trainer, blake, today, (9,)))
    _paid(paid, paid.total_cents, PaymentMethod.cash, today - timedelta(days=6))
    over = _sent_invoice(trainer, dana, today - timedelta(days=7), _demo_sessions(trainer, dana, today, (11, 8)))
    _paid(over, over.total_cents + DEMO_CREDIT_CENTS, PaymentMethod.venmo, today - timedelta(days=5))


DEMO_CREDIT_CENTS = 5000  # Dana rounded her Venmo payment up: $50.00 credit on account


def _demo_sessions(trainer: Trainer, client: Client, today, days_ago: tuple[int, ...]) -> list[TrainingSession]:
    """Hour-long sessions at 10:00 (an hour the random ones never take) on the given days."""
    made = []
    for n in days_ago:
        day = today - timedelta(days=n)
        made.append(TrainingSession(
            trainer_id=trainer.id, client_id=client.id,
            starts_at=local_to_utc(datetime(day.year, day.month, day.day, 10), trainer.timezone),
            duration_minutes=60, rate_cents=client.default_rate_cents or trainer.default_rate_cents,
            status=SessionStatus.completed))
    db.session.add_all(made)
    db.session.flush()
    return made


def _sent_invoice(trainer: Trainer, client: Client, issued_on, sessions=(), lines=()) -> Invoice:
    """An invoice sent on `issued_on` (no text: it went out before the demo began), charged to the
    client's account as Send does."""
    trainer.last_invoice_number += 1
    invoice = Invoice(trainer_id=trainer.id, client_id=client.id, number=trainer.last_invoice_number,
                      status=InvoiceStatus.open, total_cents=0, currency=trainer.currency,
                      issue_date=issued_on, due_date=issued_on + timedelta(days=trainer.payment_terms_days),
                      public_id=new_public_id(), version=1,
                      finalized_at=local_to_utc(datetime(issued_on.year, issued_on.month, issued_on.day, 9),
                                                trainer.timezone))
    db.session.add(invoice)
    db.session.flush()
    for session in sessions:
        invoice.lines.append(InvoiceLine(
            trainer_id=trainer.id, session_id=session.id, description="Personal training",
            service_date=to_local(session.starts_at, trainer.timezone).date(), service_starts_at=session.starts_at,
            duration_minutes=session.duration_minutes, quantity=1, unit_price_cents=session.rate_cents))
        session.invoice_id = invoice.id
    invoice.lines.extend(lines)
    db.session.flush()
    invoice.total_cents = invoice.lines_sum_cents
    ledger.record_finalized([invoice], issued_on)
    packs.on_invoices_finalized([invoice.id])
    return invoice


def _paid(invoice: Invoice, amount_cents: int, method: PaymentMethod, received_on) -> Payment:
    """A payment on the invoice; what it did not need is credit on account. No receipt text."""
    payment = Payment(trainer_id=invoice.trainer_id, client_id=invoice.client_id, invoice_id=invoice.id,
                      method=method, amount_cents=amount_cents, received_on=received_on, recorded_by=DEMO_EMAIL,
                      status=PaymentStatus.succeeded)
    db.session.add(payment)
    db.session.flush()
    count_on_account(invoice, payment)
    for receipt in refresh_paid_status(invoice) or []:  # the demo sends no receipts
        db.session.expunge(receipt)
    return payment


def _seed_membership(trainer: Trainer, client: Client, today) -> None:
    """Two memberships in her catalogue, and `client` on the smaller one since 12 days ago (its cycle
    renews on that day of the month), upgraded today: the unused part credited, the rest at the new price
    on the draft."""
    anchor = today - timedelta(days=12)
    gold = plans.create_membership_plan(trainer.id, name="Gold", price_cents=48000, cadence="monthly",
                                        anchor_day=anchor.day, included_sessions=8, extra_session_cents=7000,
                                        rollover_max=2)
    platinum = plans.create_membership_plan(trainer.id, name="Platinum", price_cents=72000, cadence="monthly",
                                            anchor_day=anchor.day, included_sessions=12, extra_session_cents=6000,
                                            rollover_max=2)
    membership = memberships.start_membership(trainer.id, client.id, gold.id, start_on=anchor, prorate_first=False,
                                              actor=trainer.email)
    memberships.change_plan(trainer.id, membership.id, platinum.id, actor=trainer.email, today=today)


def _seed_packs(trainer: Trainer, client: Client, today) -> Invoice:
    """Her catalogue (a 10-pack, a 5-pack from first use, prices by length), and a 10-pack sold to
    `client` three weeks ago on a sent invoice, which covers that client's sessions since."""
    ten = Plan(trainer_id=trainer.id, name="10-pack", sessions_total=10, price_cents=70000, valid_days=90)
    five = Plan(trainer_id=trainer.id, name="5-pack", sessions_total=5, price_cents=37500, valid_days=60,
                valid_from=ValidFrom.first_use)
    db.session.add_all([ten, five, *(DurationPrice(trainer_id=trainer.id, duration_minutes=m, price_cents=c)
                                     for m, c in ((30, 5000), (60, 8500), (90, 12000)))])
    sold_on = today - timedelta(days=22)
    db.session.flush()  # the plan's id, for its sale line
    invoice = _sent_invoice(trainer, client, sold_on, lines=[InvoiceLine(
        trainer_id=trainer.id, description=packs.sale_description(ten), quantity=1, unit_price_cents=ten.price_cents,
        plan_id=ten.id)])
    db.session.execute(update(CreditLot).where(CreditLot.invoice_id == invoice.id).values(
        expires_on=sold_on + timedelta(days=ten.valid_days), usable_from=invoice.finalized_at))
    for session in db.session.scalars(select(TrainingSession).where(TrainingSession.client_id == client.id)
                                      .order_by(TrainingSession.starts_at)):
        packs.cover_session(session, trainer)
    return invoice
