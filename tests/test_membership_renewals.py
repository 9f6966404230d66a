"""Memberships renewed by the billing engine: a renewal line per cycle starting in the period, each cycle
billed once however many runs or clocks bill it, sessions covered by the cycle's lot at $0, sessions beyond
it at the extra-session price, and the clock renewing for trainers who bill only on demand."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, InvoiceStatus, MembershipCycle
from app.services import billing_runs, memberships, plans
from app.services.billing_engine import BillingPeriod, build_drafts
from app.services.billing_schedules import ScheduleChoice, set_billing_schedule
from app.timefmt import local_today
from tests import factories
from tests.conftest import at_once
from tests.invoice_helpers import draft_for


def member(trainer, name="Ana", start=date(2026, 11, 1), **terms):
    values = dict(name="Gold", price_cents=48000, cadence="monthly", anchor_day=1, included_sessions=2,
                  extra_session_cents=7000, rollover_max=1)
    values.update(terms)
    plan = plans.create_membership_plan(trainer.id, **values)
    client = factories.make_client(trainer, name=name)
    memberships.start_membership(trainer.id, client.id, plan.id, start_on=start, prorate_first=False, actor="t")
    return client


def lines(client):
    draft = draft_for(client)
    return sorted((line.description, line.unit_price_cents) for line in draft.live_lines)


def cycles():
    return db.session.scalar(select(func.count(MembershipCycle.id)))


def test_a_period_bills_a_renewal_line_for_each_cycle_starting_in_it_and_twice_bills_it_once(app):
    trainer = factories.make_trainer()
    ana = member(trainer)
    period = BillingPeriod(date(2026, 12, 1), date(2027, 1, 1))
    build_drafts(trainer.id, period)
    build_drafts(trainer.id, period)  # the engine run twice
    assert ("Membership · Gold · Dec 1 – Dec 31", 48000) in lines(ana)
    assert [d for d, _ in lines(ana)].count("Membership · Gold · Dec 1 – Dec 31") == 1
    assert cycles() == 2  # November (on start) and December


def test_sessions_are_covered_by_the_cycle_and_those_beyond_it_billed_at_the_extra_price(app):
    trainer = factories.make_trainer()
    today = local_today(trainer.timezone)
    ana = member(trainer, start=today.replace(day=1), included_sessions=2, rollover_max=0)
    for days_ago in (0.1, 0.2, 0.3):
        if (datetime.now(timezone.utc) - timedelta(days=days_ago)).date().month == today.month:
            factories.make_session(ana, days_ago=days_ago, rate_cents=9000)
    build_drafts(trainer.id)
    held = [line for line in draft_for(ana).live_lines if line.session_id]
    covered = [line for line in held if line.description.startswith("Covered by Gold membership")]
    assert len(covered) == min(len(held), 2) and all(line.unit_price_cents == 0 for line in covered)
    assert all(line.unit_price_cents == 7000 for line in held if line not in covered)


def test_an_unlimited_membership_covers_every_session_of_the_cycle(app):
    trainer = factories.make_trainer()
    today = local_today(trainer.timezone)
    ana = member(trainer, start=today.replace(day=1), included_sessions=None, unlimited=True)
    factories.make_session(ana, days_ago=0.01)
    build_drafts(trainer.id)
    held = [line for line in draft_for(ana).live_lines if line.session_id]
    assert [line.unit_price_cents for line in held] == [0]
    assert "· unlimited · until" in held[0].description


def test_two_engine_runs_at_once_bill_each_cycle_once(app):
    trainer = factories.make_trainer()
    member(trainer)
    trainer_id = trainer.id
    period = BillingPeriod(date(2026, 12, 1), date(2027, 1, 1))

    def run():
        with app.app_context():
            try:
                build_drafts(trainer_id, period)
            finally:
                db.session.remove()

    at_once([run, run, run])
    assert cycles() == 2
    renewal = db.session.scalars(select(Invoice).where(Invoice.trainer_id == trainer_id,
                                                       Invoice.status == InvoiceStatus.draft)).one()
    assert [line.description for line in renewal.lines].count("Membership · Gold · Dec 1 – Dec 31") == 1


def test_the_clock_renews_memberships_of_a_trainer_without_a_schedule_and_two_ticks_bill_once(app):
    trainer = factories.make_trainer()
    ana = member(trainer, start=date(2026, 10, 1))
    now = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)

    def tick():
        with app.app_context():
            try:
                return billing_runs.tick(now)
            finally:
                db.session.remove()

    at_once([tick, tick])
    billed = [d for d, _ in lines(ana) if d.startswith("Membership")]
    assert sorted(billed) == ["Membership · Gold · Dec 1 – Dec 31", "Membership · Gold · Nov 1 – Nov 30",
                              "Membership · Gold · Oct 1 – Oct 31"]
    assert cycles() == 3


def test_a_trainer_with_a_schedule_is_renewed_by_her_run_not_by_the_tick(app):
    trainer = factories.make_trainer()
    member(trainer, start=date(2026, 10, 1))
    set_billing_schedule(trainer.id, ScheduleChoice(cadence="monthly", month_day="1", at_time="23:59"),
                         datetime(2026, 10, 30, tzinfo=timezone.utc))
    billing_runs.tick(datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc))
    assert cycles() == 1


def test_renewals_take_the_same_number_of_queries_for_5_and_50_members(app, count_queries):
    def bill(n):
        trainer = factories.make_trainer()
        for i in range(n):
            member(trainer, name=f"Member {i}", start=date(2026, 10, 1))
        db.session.expire_all()
        with count_queries() as q:
            build_drafts(trainer.id, BillingPeriod(date(2026, 12, 1), date(2027, 1, 1)))
        assert cycles() >= 2 * n
        return q.count

    assert bill(5) == bill(50)


def test_a_cycles_sessions_cover_only_sessions_held_in_that_cycle(app):
    trainer = factories.make_trainer()
    today = local_today(trainer.timezone)
    ana = member(trainer, start=today, cadence="weekly", anchor_day=None, included_sessions=4)
    factories.make_session(ana, days_ago=10, rate_cents=8000)  # before the membership began
    build_drafts(trainer.id)
    held = [line for line in draft_for(ana).live_lines if line.session_id]
    assert [(line.unit_price_cents, line.description) for line in held] == [(8000, "Personal training")]
