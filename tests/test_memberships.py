"""Memberships as the trainer runs them: started (full or prorated), changed mid-cycle, paused, resumed,
cancelled, each money movement on the client's draft or in the ledger, and bad input refused."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CreditLot, Invoice, InvoiceStatus, LedgerEntry, Membership, MembershipCycle, Payment
from app.services import ServiceError, ledger, memberships, plans
from tests import factories
from tests.invoice_helpers import draft_for


def gold(trainer, **values):
    terms = dict(name="Gold", price_cents=31000, cadence="monthly", anchor_day=1, included_sessions=8,
                 extra_session_cents=7000, rollover_max=2)
    terms.update(values)
    return plans.create_membership_plan(trainer.id, **terms)


def lines_of(client):
    draft = draft_for(client)
    return [(line.description, line.unit_price_cents) for line in draft.live_lines] if draft else []


def credits_of(client):
    return [(p.amount_cents, p.note) for p in db.session.scalars(
        select(Payment).where(Payment.client_id == client.id, Payment.method == "credit").order_by(Payment.id))]


def test_a_prorated_start_bills_the_days_left_of_the_cycle_with_its_share_of_sessions(app):
    trainer = factories.make_trainer()
    ana = factories.make_client(trainer, name="Ana")
    plan = gold(trainer)
    membership = memberships.start_membership(trainer.id, ana.id, plan.id, start_on=date(2026, 12, 17),
                                              prorate_first=True, actor="t")
    # 15 of December's 31 days at $310: $150.00 exactly; 8 sessions × 15/31 = 3.87 → 4.
    assert lines_of(ana) == [("Membership · Gold · Dec 17 – Dec 31 (prorated)", 15000)]
    lot = db.session.scalar(select(CreditLot).where(CreditLot.membership_id == membership.id))
    assert (lot.sessions_total, lot.expires_on, lot.name) == (4, date(2026, 12, 31), "Gold membership")
    assert membership.next_renewal_on == date(2027, 1, 1)


def test_a_full_first_cycle_bills_the_whole_price(app):
    trainer = factories.make_trainer()
    ana = factories.make_client(trainer, name="Ana")
    memberships.start_membership(trainer.id, ana.id, gold(trainer).id, start_on=date(2026, 12, 17),
                                 prorate_first=False, actor="t")
    assert lines_of(ana) == [("Membership · Gold · Dec 1 – Dec 31", 31000)]


def test_an_upgrade_mid_cycle_credits_the_unused_old_price_and_charges_the_rest_of_the_new(app):
    trainer = factories.make_trainer()
    ana = factories.make_client(trainer, name="Ana")
    plan, platinum = gold(trainer), gold(trainer, name="Platinum", price_cents=62000, included_sessions=12)
    membership = memberships.start_membership(trainer.id, ana.id, plan.id, start_on=date(2026, 12, 1),
                                              prorate_first=False, actor="t")
    change = memberships.change_plan(trainer.id, membership.id, platinum.id, actor="t", today=date(2026, 12, 16))
    # 16 of 31 days left: $310 × 16/31 = $160.00 back, $620 × 16/31 = $320.00 charged.
    assert (change.credited_cents, change.charged_cents) == (16000, 32000)
    assert credits_of(ana) == [(16000, "Gold → Platinum: unused Dec 16 – Dec 31")]
    assert ("Membership · Platinum · Dec 16 – Dec 31 (changed from Gold)", 32000) in lines_of(ana)
    lot = db.session.scalar(select(CreditLot).where(CreditLot.membership_id == membership.id))
    assert (lot.sessions_total, lot.name) == (12, "Platinum membership")
    assert ledger.credit_cents(ana.id) == 16000  # credit on account, applied at the next Send


def test_cancel_now_credits_the_rest_of_the_cycle_and_it_renews_no_more(app):
    trainer = factories.make_trainer()
    ana = factories.make_client(trainer, name="Ana")
    membership = memberships.start_membership(trainer.id, ana.id, gold(trainer).id, start_on=date(2026, 12, 1),
                                              prorate_first=False, actor="t")
    credit = memberships.cancel_membership(trainer.id, membership.id, now=True, actor="t", today=date(2026, 12, 21))
    assert credit == 11000  # 11 of 31 days of $310
    assert memberships.renew_memberships(trainer.id, date(2027, 3, 1)) == 0
    assert memberships.status_of(db.session.get(Membership, membership.id), date(2026, 12, 21)) == "cancelled"


def test_a_pause_bills_nothing_and_resuming_keeps_the_anchor_day(app):
    trainer = factories.make_trainer()
    ana = factories.make_client(trainer, name="Ana")
    membership = memberships.start_membership(trainer.id, ana.id, gold(trainer).id, start_on=date(2026, 12, 1),
                                              prorate_first=False, actor="t")
    memberships.pause_membership(trainer.id, membership.id, "t")
    assert memberships.renew_memberships(trainer.id, date(2027, 2, 15)) == 0
    memberships.resume_membership(trainer.id, membership.id, "t", today=date(2027, 2, 15))
    assert db.session.get(Membership, membership.id).next_renewal_on == date(2027, 3, 1)
    assert memberships.renew_memberships(trainer.id, date(2027, 3, 1)) == 1
    assert ("Membership · Gold · Mar 1 – Mar 31", 31000) in lines_of(ana)


def test_renewals_bill_each_cycle_once_and_roll_unused_sessions_over(app):
    trainer = factories.make_trainer()
    ana = factories.make_client(trainer, name="Ana")
    membership = memberships.start_membership(trainer.id, ana.id, gold(trainer).id, start_on=date(2026, 12, 1),
                                              prorate_first=False, actor="t")
    assert memberships.renew_memberships(trainer.id, date(2027, 1, 1)) == 1
    assert memberships.renew_memberships(trainer.id, date(2027, 1, 1)) == 0  # run twice: billed once
    assert db.session.scalar(select(func.count(MembershipCycle.id))) == 2
    lots = list(db.session.scalars(select(CreditLot).where(CreditLot.membership_id == membership.id)
                                   .order_by(CreditLot.id)))
    assert [(lot.sessions_total, lot.expires_on) for lot in lots] == [(8, date(2026, 12, 31)), (10, date(2027, 1, 31))]


@pytest.mark.parametrize("change", ["same plan", "archived", "second", "bad date", "pack"])
def test_bad_membership_input_is_refused_beside_the_field_and_changes_nothing(app, change):
    trainer = factories.make_trainer()
    ana = factories.make_client(trainer, name="Ana")
    plan = gold(trainer)
    membership = memberships.start_membership(trainer.id, ana.id, plan.id, start_on=date(2026, 12, 1),
                                              prorate_first=False, actor="t")
    before = (db.session.scalar(select(func.count(LedgerEntry.id))), lines_of(ana))
    with pytest.raises(ServiceError) as refused:
        if change == "same plan":
            memberships.change_plan(trainer.id, membership.id, plan.id, actor="t")
        elif change == "archived":
            old = gold(trainer, name="Old")
            plans.archive_plan(trainer.id, old.id)
            memberships.change_plan(trainer.id, membership.id, old.id, actor="t")
        elif change == "second":
            memberships.start_membership(trainer.id, ana.id, plan.id, start_on=date(2026, 12, 1),
                                         prorate_first=False, actor="t")
        elif change == "bad date":
            bob = factories.make_client(trainer, name="Bob")
            memberships.start_membership(trainer.id, bob.id, plan.id, start_on=date(2101, 1, 1),
                                         prorate_first=False, actor="t")
        else:
            pack = plans.create_pack(trainer.id, name="10-pack", sessions_total=10, price_cents=100, valid_days=9)
            memberships.change_plan(trainer.id, membership.id, pack.id, actor="t")
    assert refused.value.field in ("plan_id", "start_on")
    assert (db.session.scalar(select(func.count(LedgerEntry.id))), lines_of(ana)) == before
    assert db.session.get(Membership, membership.id).plan_id == plan.id


def test_another_trainers_plan_is_not_found(app):
    trainer, other = factories.make_trainer(), factories.make_trainer()
    ana = factories.make_client(trainer, name="Ana")
    with pytest.raises(LookupError):
        memberships.start_membership(trainer.id, ana.id, gold(other).id, start_on=date(2026, 12, 1),
                                     prorate_first=False, actor="t")


# The client page ------------------------------------------------------------------------------------------

from tests.pages import error_beside, form_values, text_of  # noqa: E402


def test_the_trainer_starts_changes_pauses_and_cancels_a_membership_on_the_client_page(logged_in, trainer):
    ana = factories.make_client(trainer, name="Ana")
    plan, platinum = gold(trainer), gold(trainer, name="Platinum", price_cents=62000)
    page = logged_in.get(f"/clients/{ana.id}")
    form = form_values(page, "start-membership-form")
    form.update({"plan_id": str(plan.id), "start_on": "2026-12-01", "first_cycle": "full"})
    response = logged_in.post(f"/clients/{ana.id}/membership", form, follow_redirects=True)
    assert "Membership started" in text_of(response)
    assert "Gold Active" in text_of(response)
    membership = db.session.scalar(select(Membership))
    form = form_values(response, "change-membership-form")
    form["plan_id"] = str(platinum.id)
    response = logged_in.post(f"/clients/{ana.id}/membership/{membership.id}/change", form, follow_redirects=True)
    assert "Plan changed" in text_of(response) and "Platinum Active" in text_of(response)
    response = logged_in.post(f"/clients/{ana.id}/membership/{membership.id}/pause",
                              {"csrf_token": form["csrf_token"]}, follow_redirects=True)
    assert "Platinum Paused" in text_of(response)
    response = logged_in.post(f"/clients/{ana.id}/membership/{membership.id}/resume",
                              {"csrf_token": form["csrf_token"]}, follow_redirects=True)
    assert "Platinum Active" in text_of(response)
    form = form_values(response, "cancel-membership-form")
    form["when"] = "end"
    response = logged_in.post(f"/clients/{ana.id}/membership/{membership.id}/cancel", form, follow_redirects=True)
    assert "Membership cancelled: it renews no more." in text_of(response)


def test_a_start_date_outside_1900_2100_is_refused_beside_the_field(logged_in, trainer):
    ana = factories.make_client(trainer, name="Ana")
    plan = gold(trainer)
    form = form_values(logged_in.get(f"/clients/{ana.id}"), "start-membership-form")
    form.update({"plan_id": str(plan.id), "start_on": "2101-01-01"})
    response = logged_in.post(f"/clients/{ana.id}/membership", form)
    assert response.status_code == 200
    assert "between 1900 and 2100" in error_beside(response, "start_on")
    assert db.session.scalar(select(func.count(Membership.id))) == 0


def test_a_change_to_the_same_plan_is_refused_beside_the_field(logged_in, trainer):
    ana = factories.make_client(trainer, name="Ana")
    plan = gold(trainer)
    gold(trainer, name="Silver", price_cents=100)
    membership = memberships.start_membership(trainer.id, ana.id, plan.id, start_on=date(2026, 12, 1),
                                              prorate_first=False, actor="t")
    form = form_values(logged_in.get(f"/clients/{ana.id}"), "change-membership-form")
    form["plan_id"] = str(plan.id)
    response = logged_in.post(f"/clients/{ana.id}/membership/{membership.id}/change", form)
    assert "already on Gold" in error_beside(response, "plan_id")


def test_a_voided_membership_invoice_carries_its_cycle_and_sessions_to_the_draft_that_bills_it_again(app):
    from app.services import packs, sessions
    from app.services.invoices import void_invoice
    from app.timefmt import local_today
    from tests.invoice_helpers import submit_drafts

    trainer = factories.make_trainer()
    ana = factories.make_client(trainer, name="Ana")
    today = local_today(trainer.timezone)
    membership = memberships.start_membership(trainer.id, ana.id, gold(trainer).id, start_on=today,
                                              prorate_first=False, actor="t")
    submit_drafts(trainer.id, "first")
    sent = db.session.scalar(select(Invoice).where(Invoice.client_id == ana.id, Invoice.status == InvoiceStatus.open))
    session = factories.make_session(ana, days_ago=0.01)
    sessions.update_session(trainer.id, session.id, notes="")  # takes its credit, as the session form does
    assert [b.sessions_left for b in packs.client_packs(trainer.id, ana.id, today)] == [7]

    void_invoice(trainer.id, sent.id, "t", "Wrong amount")
    [line] = [line for line in draft_for(ana).live_lines if line.description.startswith("Membership · Gold")]
    cycle = db.session.scalar(select(MembershipCycle).where(MembershipCycle.membership_id == membership.id))
    lot = db.session.scalar(select(CreditLot).where(CreditLot.membership_id == membership.id))
    assert (cycle.invoice_id, cycle.invoice_line_id) == (line.invoice_id, line.id)
    assert (lot.invoice_line_id, lot.voided_at, lot.sessions_used) == (line.id, None, 1)

    submit_drafts(trainer.id, "again")
    again = db.session.get(Invoice, line.invoice_id)
    assert again.status == InvoiceStatus.open and again.total_cents == 31000
    assert [b.sessions_left for b in packs.client_packs(trainer.id, ana.id, today)] == [7]
    assert db.session.scalar(select(func.count(MembershipCycle.id))
                             .where(MembershipCycle.membership_id == membership.id)) == 1


def test_a_new_membership_cannot_start_inside_a_cancelled_ones_last_cycle(app):
    """Cancelled at its cycle's end, the old membership is billed to that end: a new one starting before it
    would bill those days twice, so it is refused with the day it may start."""
    from datetime import date, timedelta

    from app.services import ServiceError, memberships, plans
    from tests import factories

    trainer = factories.make_trainer()
    client = factories.make_client(trainer)
    plan = plans.create_membership_plan(trainer.id, name="Unlimited", price_cents=30000, cadence="monthly",
                                        anchor_day=1, unlimited=True)
    start = date(2026, 11, 1)
    old = memberships.start_membership(trainer.id, client.id, plan.id, start_on=start, prorate_first=False,
                                       actor="t")
    memberships.cancel_membership(trainer.id, old.id, now=False, actor="t", today=start)
    runs_until = db.session.get(type(old), old.id).ends_on
    with pytest.raises(ServiceError) as refused:
        memberships.start_membership(trainer.id, client.id, plan.id, start_on=runs_until - timedelta(days=1),
                                     prorate_first=False, actor="t")
    assert refused.value.field == "start_on" and f"{runs_until:%b} {runs_until.day} or later" in refused.value.message
    again = memberships.start_membership(trainer.id, client.id, plan.id, start_on=runs_until, prorate_first=False,
                                         actor="t")
    assert again.started_on == runs_until
