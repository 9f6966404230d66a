"""The membership service's money as properties, over random plans, start dates (month lengths 28-31, leap
years), change days and trainers' time zones (DST ones included: cycles count calendar days, so a 23- or
25-hour day is one day): an upgrade then a downgrade on the same day nets zero, a credit never exceeds
what the cycle charged, and a cancel-now credit plus the used part is the cycle's price."""
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.billing_cycles import cycle_containing
from app.extensions import db
from app.models import InvoiceLine, Membership, MembershipCycle, Payment, PaymentMethod
from app.proration import part
from app.services import memberships, plans
from tests import factories
from tests.conftest import _wipe_tables

PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# One draft carries the first cycle and up to five changes' charges: six prices of at most $4,000 stay
# under the invoice ceiling (INVOICE_MAX_CENTS, $25,000), which its own tests cover.
prices = st.integers(min_value=0, max_value=400_000)
cadences = st.sampled_from(["weekly", "biweekly", "monthly"])
days = st.dates(min_value=date(1996, 1, 1), max_value=date(2096, 12, 31))
zones = st.sampled_from(["America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC", "Pacific/Chatham"])


def _member(cadence, anchor_day, price, start, zone, prorate, others=()):
    _wipe_tables()
    trainer = factories.make_trainer(timezone=zone)
    client = factories.make_client(trainer)
    terms = dict(cadence=cadence, anchor_day=anchor_day, included_sessions=4, rollover_max=1)
    first = plans.create_membership_plan(trainer.id, name="First", price_cents=price, **terms)
    more = [plans.create_membership_plan(trainer.id, name=f"Plan {i}", price_cents=p, **terms)
            for i, p in enumerate(others)]
    membership = memberships.start_membership(trainer.id, client.id, first.id, start_on=start,
                                              prorate_first=prorate, actor="t")
    return trainer, client, membership, first, more


def _credits(client_id) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
        Payment.client_id == client_id, Payment.method == PaymentMethod.credit)))


def _change_charges(client_id) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(InvoiceLine.unit_price_cents), 0)).where(
        InvoiceLine.description.contains("(changed from"))))


@PROPERTY
@given(cadence=cadences, anchor_day=st.integers(1, 31), old=prices, new=prices, start=days,
       into=st.integers(0, 40), zone=zones, prorate=st.booleans())
def test_an_upgrade_then_a_downgrade_on_the_same_day_nets_zero_on_the_ledger(
        app, cadence, anchor_day, old, new, start, into, zone, prorate):
    if old == new:
        new = old + 1
    trainer, client, membership, first, (second,) = _member(cadence, anchor_day, old, start, zone, prorate, [new])
    row = db.session.scalar(select(MembershipCycle))
    day = min(start + timedelta(days=into), row.cycle_end - timedelta(days=1))
    memberships.change_plan(trainer.id, membership.id, second.id, actor="t", today=day)
    memberships.change_plan(trainer.id, membership.id, first.id, actor="t", today=day)
    assert _change_charges(client.id) - _credits(client.id) == 0
    row = db.session.scalar(select(MembershipCycle))
    assert row.credited_cents <= row.charged_cents


@PROPERTY
@given(cadence=cadences, anchor_day=st.integers(1, 31), start=days, zone=zones, prorate=st.booleans(),
       changes=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10)), max_size=5),
       price_list=st.lists(prices, min_size=3, max_size=3), cancel_after=st.integers(0, 10))
def test_a_credit_never_exceeds_what_was_paid_for_the_period(app, cadence, anchor_day, start, zone, prorate,
                                                                 changes, price_list, cancel_after):
    trainer, client, membership, first, more = _member(cadence, anchor_day, price_list[0], start, zone, prorate,
                                                        price_list[1:])
    options = [first, *more]
    row = db.session.scalar(select(MembershipCycle))
    day = start
    for which, step in changes:
        day = min(day + timedelta(days=step), row.cycle_end - timedelta(days=1))
        current = db.session.get(Membership, membership.id).plan_id
        if options[which].id != current:
            memberships.change_plan(trainer.id, membership.id, options[which].id, actor="t", today=day)
    day = min(day + timedelta(days=cancel_after), row.cycle_end - timedelta(days=1))
    memberships.cancel_membership(trainer.id, membership.id, now=True, actor="t", today=day)
    row = db.session.scalar(select(MembershipCycle))
    paid = row.charged_cents
    assert _credits(client.id) == row.credited_cents <= paid
    assert _credits(client.id) <= paid  # never more back than the cycle's lines charged


@PROPERTY
@given(cadence=cadences, anchor_day=st.integers(1, 31), price=prices, start=days, into=st.integers(0, 40),
       zone=zones)
def test_cancel_now_credit_plus_the_used_part_is_the_cycle_price(app, cadence, anchor_day, price, start, into,
                                                                 zone):
    plan_anchor = date(2000, 1, anchor_day) if cadence == "monthly" else start
    cycle = cycle_containing(cadence, plan_anchor, start)
    trainer, client, membership, *_ = _member(cadence, anchor_day, price, cycle.start, zone, False)
    day = min(cycle.start + timedelta(days=into), cycle.end - timedelta(days=1))
    credit = memberships.cancel_membership(trainer.id, membership.id, now=True, actor="t", today=day)
    used = part(price, cycle.days, 0, cycle.offset(day))
    assert credit + used == price
