"""Packs: sold on a draft, made into credits when sent, used by held sessions, given back, and never
used once expired."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CreditLot, CreditUse, Invoice, InvoiceStatus, PaymentMethod, SessionStatus
from app.services import ServiceError, invoices, packs, plans, sessions
from app.services.drafts import sync_drafts
from app.services.payments import delete_payment, record_manual_payment, refund_manual_payment
from app.timefmt import local_today
from tests import factories
from tests.invoice_helpers import draft_for, submit_drafts
from tests.stripe_helpers import connected_trainer, deliver, press_pay_by_card

UTC = timezone.utc


@pytest.fixture
def ten_pack(trainer):
    return plans.create_pack(trainer.id, name="10-pack", sessions_total=10, price_cents=70000, valid_days=90)


@pytest.fixture
def pia(trainer):
    return factories.make_client(trainer, name="Pia Pack", default_rate_cents=8000)


def sold(trainer, client, plan, key="sale") -> CreditLot:
    packs.sell_pack(trainer.id, client.id, plan.id, trainer.name)
    submit_drafts(trainer.id, key)
    return db.session.scalars(select(CreditLot).where(CreditLot.client_id == client.id)
                              .order_by(CreditLot.id.desc())).first()


def log(trainer, client, days_ago=1, **values):
    values = {"client_id": client.id, "starts_at": datetime.now(UTC) - timedelta(days=days_ago),
              "duration_minutes": 60, "rate_cents": 8000, "status": SessionStatus.completed, **values}
    return sessions.log_session(trainer.id, **values)


def uses_of(lot) -> int:
    return db.session.scalar(select(func.count()).select_from(CreditUse).where(CreditUse.lot_id == lot.id))


def test_selling_a_pack_puts_a_line_on_the_clients_draft_at_todays_price(trainer, pia, ten_pack):
    draft = packs.sell_pack(trainer.id, pia.id, ten_pack.id, trainer.name)
    [line] = draft.live_lines
    assert line.unit_price_cents == 70000 and line.plan_id == ten_pack.id
    assert line.description == "10-pack · 10 sessions · valid 90 days"
    plans.update_pack(trainer.id, ten_pack.id, name="10-pack", sessions_total=10, price_cents=75000,
                      valid_days=90)
    assert draft_for(pia).live_lines[0].unit_price_cents == 70000  # the sale keeps its own price


def test_sending_the_sale_makes_one_lot_that_expires_after_its_days(trainer, pia, ten_pack):
    lot = sold(trainer, pia, ten_pack)
    assert (lot.sessions_total, lot.price_cents) == (10, 70000)
    assert lot.expires_on == local_today(trainer.timezone) + timedelta(days=90)
    assert lot.usable_from is not None
    invoice = db.session.get(Invoice, lot.invoice_id)
    packs.on_invoices_finalized([invoice.id])  # called again: still one lot for the line
    assert db.session.scalar(select(func.count()).select_from(CreditLot)) == 1


def test_a_held_session_takes_a_credit_and_shows_as_covered_at_no_charge(trainer, pia, ten_pack):
    lot = sold(trainer, pia, ten_pack)
    session = log(trainer, pia)
    assert uses_of(lot) == 1
    [line] = [line for line in sync_drafts(trainer.id)[0].live_lines if line.session_id == session.id]
    assert line.amount_cents == 0
    assert line.description == f"Covered by 10-pack · 9 left · expires {packs.short_date(lot.expires_on)}"


def test_cancelling_editing_or_deleting_the_session_gives_the_credit_back(trainer, pia, ten_pack):
    lot = sold(trainer, pia, ten_pack)
    first, second, third = (log(trainer, pia, days_ago=d) for d in (1, 2, 3))
    assert uses_of(lot) == 3
    sessions.cancel_session(trainer.id, first.id)
    sessions.delete_session(trainer.id, second.id)
    assert uses_of(lot) == 1
    sessions.update_session(trainer.id, third.id, status=SessionStatus.no_show, no_show_chargeable=False)
    assert uses_of(lot) == 0
    assert all(line.session_id is None for d in sync_drafts(trainer.id) for line in d.live_lines)


def test_the_pack_that_expires_first_is_used_first_and_an_expired_one_never(trainer, pia, ten_pack):
    later = sold(trainer, pia, ten_pack, "first")
    five = plans.create_pack(trainer.id, name="5-pack", sessions_total=5, price_cents=40000, valid_days=30)
    sooner = sold(trainer, pia, five, "second")
    log(trainer, pia)
    assert (uses_of(sooner), uses_of(later)) == (1, 0)
    # No sweep has run: the day after its last day, the 5-pack is simply not used.
    sooner.expires_on = later.expires_on = local_today(trainer.timezone) - timedelta(days=1)
    db.session.commit()
    session = log(trainer, pia, days_ago=2)
    assert (uses_of(sooner), uses_of(later)) == (1, 0)
    line = next(line for d in sync_drafts(trainer.id) for line in d.live_lines if line.session_id == session.id)
    assert line.amount_cents == 8000  # billed as before packs


def test_a_session_with_every_credit_used_is_billed_at_its_rate(trainer, pia):
    two = plans.create_pack(trainer.id, name="Duo", sessions_total=2, price_cents=15000, valid_days=None)
    lot = sold(trainer, pia, two)
    for days_ago in (1, 2, 3):
        log(trainer, pia, days_ago=days_ago)
    assert uses_of(lot) == 2
    amounts = sorted(line.amount_cents for d in sync_drafts(trainer.id) for line in d.live_lines)
    assert amounts == [0, 0, 8000]


def test_a_pack_usable_on_payment_waits_for_the_payment(trainer, pia, ten_pack):
    plans.set_pack_settings(trainer.id, credits_usable_on="payment", no_show_uses="credit")
    lot = sold(trainer, pia, ten_pack)
    session = log(trainer, pia)
    assert lot.usable_from is None and uses_of(lot) == 0
    record_manual_payment(trainer.id, lot.invoice_id, trainer.name, amount_cents=70000, method=PaymentMethod.cash,
                          received_on=local_today(trainer.timezone))
    db.session.expire_all()
    assert db.session.get(CreditLot, lot.id).usable_from is not None
    [draft] = sync_drafts(trainer.id)  # the session logged before the payment is covered now
    assert [line.amount_cents for line in draft.live_lines if line.session_id == session.id] == [0]


def test_no_shows_can_be_billed_as_a_fee_instead_of_a_credit(trainer, pia, ten_pack):
    lot = sold(trainer, pia, ten_pack)
    log(trainer, pia, status=SessionStatus.no_show, no_show_chargeable=True)
    assert uses_of(lot) == 1
    plans.set_pack_settings(trainer.id, credits_usable_on="sale", no_show_uses="fee")
    log(trainer, pia, days_ago=2, status=SessionStatus.no_show, no_show_chargeable=True)
    assert uses_of(lot) == 1


def test_a_pack_valid_from_first_use_starts_counting_at_its_first_session(trainer, pia):
    plan = plans.create_pack(trainer.id, name="Flex 5", sessions_total=5, price_cents=40000, valid_days=60,
                             valid_from="first_use")
    lot = sold(trainer, pia, plan)
    assert lot.expires_on is None
    session = log(trainer, pia, days_ago=3)
    db.session.refresh(lot)
    assert lot.expires_on == local_today(trainer.timezone) - timedelta(days=3) + timedelta(days=60)
    sessions.delete_session(trainer.id, session.id)
    db.session.refresh(lot)
    assert lot.expires_on is None


def test_voiding_the_sale_before_use_voids_the_pack(trainer, pia, ten_pack):
    lot = sold(trainer, pia, ten_pack)
    invoices.void_invoice(trainer.id, lot.invoice_id, trainer.name, "Sold by mistake")
    db.session.refresh(lot)
    assert lot.voided_at is not None
    log(trainer, pia)
    assert uses_of(lot) == 0


def test_a_used_pack_refuses_the_void_of_its_sale_and_nothing_changes(trainer, pia, ten_pack):
    lot = sold(trainer, pia, ten_pack)
    log(trainer, pia)
    with pytest.raises(ServiceError, match="already covered"):
        invoices.void_invoice(trainer.id, lot.invoice_id, trainer.name, "Changed my mind")
    db.session.expire_all()
    assert db.session.get(Invoice, lot.invoice_id).status == InvoiceStatus.open
    assert db.session.get(CreditLot, lot.id).voided_at is None


@pytest.mark.parametrize("values, field", [
    ({"sessions_total": 0}, "sessions_total"),
    ({"price_cents": -100}, "price_cents"),
    ({"valid_days": 0}, "valid_days"),
    ({"valid_days": -30}, "valid_days"),
    ({"name": "  "}, "name"),
])
def test_a_bad_pack_is_refused_beside_its_field(trainer, values, field):
    good = {"name": "10-pack", "sessions_total": 10, "price_cents": 70000, "valid_days": 90}
    with pytest.raises(ServiceError) as refused:
        plans.create_pack(trainer.id, **{**good, **values})
    assert refused.value.field == field
    assert plans.list_plans(trainer.id) == []


def test_an_archived_pack_cannot_be_sold(trainer, pia, ten_pack):
    plans.archive_plan(trainer.id, ten_pack.id)
    with pytest.raises(ServiceError, match="archived") as refused:
        packs.sell_pack(trainer.id, pia.id, ten_pack.id, trainer.name)
    assert refused.value.field == "plan_id" and draft_for(pia) is None


def test_another_trainers_pack_is_not_found(trainer, pia):
    other = factories.make_trainer()
    theirs = plans.create_pack(other.id, name="Theirs", sessions_total=5, price_cents=1000, valid_days=None)
    with pytest.raises(LookupError):
        packs.sell_pack(trainer.id, pia.id, theirs.id, trainer.name)


def test_a_sold_pack_is_archived_not_deleted(trainer, pia, ten_pack):
    sold(trainer, pia, ten_pack)
    with pytest.raises(ServiceError, match="archive it instead"):
        plans.delete_plan(trainer.id, ten_pack.id)
    unsold = plans.create_pack(trainer.id, name="Trial", sessions_total=1, price_cents=0, valid_days=7)
    plans.delete_plan(trainer.id, unsold.id)
    assert [p.name for p in plans.list_plans(trainer.id)] == ["10-pack"]


def test_packs_running_low_or_expiring_soon_need_attention(trainer, pia, ten_pack):
    lot = sold(trainer, pia, ten_pack)
    today = local_today(trainer.timezone)
    assert packs.packs_needing_attention(trainer.id, today) == []
    for days_ago in range(1, 9):
        log(trainer, pia, days_ago=days_ago)
    [low] = packs.packs_needing_attention(trainer.id, today)
    assert (low.lot.id, low.sessions_left) == (lot.id, 2)


def test_sessions_a_pack_covers_are_not_counted_as_money_not_yet_invoiced(trainer, pia, ten_pack):
    sold(trainer, pia, ten_pack)
    log(trainer, pia)
    other = factories.make_client(trainer, name="Otto Other")
    log(trainer, other, rate_cents=9000)
    assert sessions.uninvoiced_summary(trainer.id) == (2, 9000)


# A pack usable once paid waits again when its invoice stops being paid: a payment deleted or refunded (by
# hand or in Stripe). Credits already used stay used; the rest wait for the payment and come back with it.

def sold_usable_on(usable_on, trainer, client, plan, key="sale") -> CreditLot:
    plans.set_pack_settings(trainer.id, credits_usable_on=usable_on, no_show_uses="credit")
    return sold(trainer, client, plan, key)


def pay(trainer, lot, cents=70000):
    return record_manual_payment(trainer.id, lot.invoice_id, trainer.name, amount_cents=cents,
                                 method=PaymentMethod.cash, received_on=local_today(trainer.timezone))


def lot_now(lot) -> CreditLot:
    db.session.expire_all()
    return db.session.get(CreditLot, lot.id)


def draft_amount(trainer, session) -> list[int]:
    return [line.amount_cents for draft in sync_drafts(trainer.id) for line in draft.live_lines
            if line.session_id == session.id]


def pack_state(trainer, client) -> tuple[str, int]:
    [balance] = packs.client_packs(trainer.id, client.id, local_today(trainer.timezone))
    return balance.state, balance.sessions_left


def test_deleting_the_payment_makes_the_pack_wait_again_and_paying_again_releases_it(trainer, pia, ten_pack):
    lot = sold_usable_on("payment", trainer, pia, ten_pack)
    payment = pay(trainer, lot)
    assert lot_now(lot).usable_from is not None
    used = log(trainer, pia, days_ago=3)
    assert uses_of(lot) == 1 and pack_state(trainer, pia) == ("usable", 9)

    delete_payment(trainer.id, lot.invoice_id, payment.id, trainer.name, reason="Bounced check")

    assert db.session.get(Invoice, lot.invoice_id).status == InvoiceStatus.open
    assert lot_now(lot).usable_from is None
    assert uses_of(lot) == 1 and pack_state(trainer, pia) == ("awaiting payment", 9)  # the session happened
    assert draft_amount(trainer, used) == [0]
    unpaid = log(trainer, pia, days_ago=1)
    assert uses_of(lot) == 1
    assert draft_amount(trainer, unpaid) == [8000]  # billed at its rate, not covered
    assert packs.why_not_covered(unpaid) == ("Not covered by a pack: 10-pack can be used once its invoice is paid. "
                                             "This session is billed at $80.00.")

    pay(trainer, lot)

    assert lot_now(lot).usable_from is not None
    assert draft_amount(trainer, unpaid) == [0]  # the session logged while it waited is covered now
    assert uses_of(lot) == 2 and pack_state(trainer, pia) == ("usable", 8)


def test_a_refund_that_leaves_the_invoice_unpaid_makes_the_pack_wait(trainer, pia, ten_pack):
    lot = sold_usable_on("payment", trainer, pia, ten_pack)
    payment = pay(trainer, lot)
    refund_manual_payment(trainer.id, lot.invoice_id, payment.id, trainer.name, amount_cents=100, reason="Change")
    assert db.session.get(Invoice, lot.invoice_id).status == InvoiceStatus.open
    assert lot_now(lot).usable_from is None
    assert draft_amount(trainer, log(trainer, pia)) == [8000]


def test_a_payment_that_leaves_the_invoice_paid_changes_nothing(trainer, pia, ten_pack):
    lot = sold_usable_on("payment", trainer, pia, ten_pack)
    pay(trainer, lot, 60000)
    extra = pay(trainer, lot, 20000)  # $100 more than due
    released = lot_now(lot).usable_from
    refund_manual_payment(trainer.id, lot.invoice_id, extra.id, trainer.name, amount_cents=10000, reason="Over")
    assert db.session.get(Invoice, lot.invoice_id).status == InvoiceStatus.paid
    assert lot_now(lot).usable_from == released


def test_under_usable_on_sale_deleting_the_payment_changes_nothing(trainer, pia, ten_pack):
    lot = sold_usable_on("sale", trainer, pia, ten_pack)
    released = lot_now(lot).usable_from
    payment = pay(trainer, lot)
    delete_payment(trainer.id, lot.invoice_id, payment.id, trainer.name)
    assert db.session.get(Invoice, lot.invoice_id).status == InvoiceStatus.open
    assert lot_now(lot).usable_from == released
    assert draft_amount(trainer, log(trainer, pia)) == [0]


def test_only_the_packs_sold_on_the_reopened_invoice_wait(trainer, pia, ten_pack):
    first = sold_usable_on("payment", trainer, pia, ten_pack, "first")
    five = plans.create_pack(trainer.id, name="5-pack", sessions_total=5, price_cents=40000, valid_days=30)
    second = sold(trainer, pia, five, "second")
    payment = pay(trainer, first)
    pay(trainer, second, 40000)
    delete_payment(trainer.id, first.invoice_id, payment.id, trainer.name)
    assert lot_now(first).usable_from is None and lot_now(second).usable_from is not None


def test_a_card_payment_refunded_in_stripe_makes_the_pack_wait(client, browser, fake_stripe):
    trainer = connected_trainer(fake_stripe)
    pack = plans.create_pack(trainer.id, name="10-pack", sessions_total=10, price_cents=70000, valid_days=90)
    lot = sold_usable_on("payment", trainer, factories.make_client(trainer, name="Pia Pack"), pack)
    assert press_pay_by_card(browser, db.session.get(Invoice, lot.invoice_id)).status_code == 303
    [session] = fake_stripe.sessions_on(trainer.stripe_account_id)
    intent_id = fake_stripe.complete_session(session["id"])
    deliver(client, fake_stripe.event("checkout.session.completed", session["id"]))
    assert lot_now(lot).usable_from is not None

    deliver(client, fake_stripe.event("charge.refunded", fake_stripe.refund(intent_id)))

    assert db.session.get(Invoice, lot.invoice_id).status == InvoiceStatus.open
    assert lot_now(lot).usable_from is None
