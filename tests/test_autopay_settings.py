"""Settings → Failed card payments: the retry days (checked, with the reason beside the field), and a
membership's credits held while its client is past due on auto-pay."""
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CreditLot, Invoice, InvoiceStatus, PaymentMethod, Trainer
from app.services import autopay_charges, memberships, plans
from app.services.payments import record_manual_payment
from tests import factories
from tests.autopay_helpers import autopay_invoice
from tests.invoice_helpers import submit_drafts


def _trainer(trainer_id: int) -> Trainer:
    db.session.expire_all()
    return db.session.get(Trainer, trainer_id)


def test_the_retry_days_are_saved_and_shown_back(app, logged_in, trainer):
    assert 'value="1, 3, 5, 7"' in logged_in.get("/settings/autopay-retries").data.decode()

    answer = logged_in.post("/settings/autopay-retries", {"retry_days": " 2, 4 ,9", "suspend_credits": "y"})

    assert answer.status_code == 302
    saved = _trainer(trainer.id)
    assert (saved.autopay_retry_days, saved.autopay_suspend_credits) == ("2,4,9", True)
    assert 'value="2, 4, 9"' in logged_in.get("/settings/autopay-retries").data.decode()


@pytest.mark.parametrize("typed, message", [
    ("1, three", "Type whole numbers of days, separated by commas, like 1, 3, 5, 7."),
    ("3, 1", "List each day once, from the earliest to the latest."),
    ("1, 1", "List each day once, from the earliest to the latest."),
    ("0, 2", "Each retry is 1 to 60 days after the first failure."),
    ("1,2,3,4,5,6,7,8,9", "At most 8 retries."),
    ("-1", "Type whole numbers of days, separated by commas, like 1, 3, 5, 7."),
])
def test_bad_retry_days_are_refused_beside_the_field_and_change_nothing(app, logged_in, trainer, typed, message):
    page = logged_in.post("/settings/autopay-retries", {"retry_days": typed})

    assert page.status_code == 200
    assert f'<p class="error" id="retry_days-error">{message}</p>' in page.data.decode()
    assert _trainer(trainer.id).autopay_retry_days == "1,3,5,7"


def test_no_retry_days_means_one_try(app, logged_in, trainer):
    logged_in.post("/settings/autopay-retries", {"retry_days": ""})
    assert _trainer(trainer.id).autopay_retry_days == ""


def test_a_past_due_members_new_credits_wait_until_she_pays(app, fake_stripe):
    from tests.stripe_helpers import connected_trainer
    trainer = connected_trainer(fake_stripe, autopay_retry_days="", autopay_suspend_credits=True)
    plan = plans.create_membership_plan(trainer.id, name="Gold", price_cents=48000, cadence="monthly", anchor_day=1,
                                        included_sessions=4)
    client = factories.make_client(trainer, name="Ana")
    membership = memberships.start_membership(trainer.id, client.id, plan.id, start_on=date(2026, 11, 1),
                                              prorate_first=False, actor="t")
    submit_drafts(trainer.id, "november")
    sent = db.session.scalar(select(Invoice).where(Invoice.client_id == client.id,
                                                   Invoice.status == InvoiceStatus.open))
    invoice, _ = autopay_invoice(fake_stripe, card_result="insufficient_funds", trainer=trainer, invoice=sent)
    autopay_charges.charge(invoice.id, 1)  # declined; no retry days: past due at once

    memberships.renew_memberships(trainer.id, date(2027, 1, 1))

    def january():
        db.session.expire_all()
        return db.session.scalar(select(CreditLot).where(CreditLot.membership_id == membership.id,
                                                         CreditLot.starts_on == date(2027, 1, 1)))
    assert january().usable_from is None
    record_manual_payment(trainer.id, invoice.id, "t", amount_cents=invoice.due_cents, method=PaymentMethod.cash,
                          received_on=date.today())
    assert january().usable_from is not None


def test_a_member_in_good_standing_gets_her_credits_at_renewal(app, fake_stripe):
    trainer = factories.make_trainer(autopay_suspend_credits=True)
    plan = plans.create_membership_plan(trainer.id, name="Gold", price_cents=48000, cadence="monthly", anchor_day=1,
                                        included_sessions=4)
    client = factories.make_client(trainer, name="Ana")
    membership = memberships.start_membership(trainer.id, client.id, plan.id, start_on=date(2026, 11, 1),
                                              prorate_first=False, actor="t")
    memberships.renew_memberships(trainer.id, date(2026, 12, 1))
    lots = db.session.scalars(select(CreditLot).where(CreditLot.membership_id == membership.id))
    assert all(lot.usable_from is not None for lot in lots)
