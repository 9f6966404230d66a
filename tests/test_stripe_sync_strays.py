"""Auto-pay: Stripe's draft invoice follows the Spotter draft when it changes outside the draft page (a
membership renewed) and when the draft stops needing one (emptied, gone, or auto-pay turned off)."""
from datetime import date

from app.services import memberships, plans, stripe_sync
from tests import factories
from tests.invoice_helpers import draft_for
from tests.stripe_sync_helpers import stripe_items


def autopay_member(fake_stripe):
    """A client on auto-pay with a monthly $480.00 membership started on Nov 1, its first cycle synced."""
    trainer = factories.make_trainer()
    plan = plans.create_membership_plan(trainer.id, name="Gold", price_cents=48000, cadence="monthly", anchor_day=1,
                                        included_sessions=2, extra_session_cents=7000, rollover_max=1)
    client = factories.make_client(trainer, name="Ana")
    factories.make_autopay_card(client, stripe_account_id=fake_stripe.add_account())
    memberships.start_membership(trainer.id, client.id, plan.id, start_on=date(2026, 11, 1), prorate_first=False,
                                 actor="t")
    draft = draft_for(client)
    stripe_sync.sync_invoice(draft.id)
    return trainer, client, draft.id


def sync_jobs(queued_job_ids) -> list[str]:
    return [job_id for job_id in queued_job_ids() if job_id.startswith("stripe-sync-")]


def test_a_renewal_on_an_autopay_draft_enqueues_one_sync_that_puts_the_renewal_at_stripe(
        app, fake_stripe, queued_job_ids, run_worker):
    trainer, client, draft_id = autopay_member(fake_stripe)
    run_worker()  # whatever the start queued: the queue starts empty
    assert len(stripe_items(fake_stripe, draft_id)) == 1

    assert memberships.renew_memberships(trainer.id, date(2026, 12, 1)) == 1
    assert sync_jobs(queued_job_ids) == [f"stripe-sync-{draft_id}"]
    run_worker()
    descriptions = sorted(item["description"] for item in stripe_items(fake_stripe, draft_id))
    assert descriptions == sorted(line.description for line in draft_for(client).live_lines)
    assert len(descriptions) == 2


def test_renewing_two_cycles_on_one_draft_enqueues_one_sync(app, fake_stripe, queued_job_ids, run_worker):
    trainer, client, draft_id = autopay_member(fake_stripe)
    run_worker()
    assert memberships.renew_memberships(trainer.id, date(2027, 1, 1)) == 2
    assert sync_jobs(queued_job_ids) == [f"stripe-sync-{draft_id}"]
    run_worker()
    assert len(stripe_items(fake_stripe, draft_id)) == 3


def test_a_renewal_of_a_client_not_on_autopay_enqueues_no_sync(app, fake_stripe, queued_job_ids):
    trainer = factories.make_trainer()
    plan = plans.create_membership_plan(trainer.id, name="Gold", price_cents=48000, cadence="monthly", anchor_day=1,
                                        included_sessions=2, extra_session_cents=7000, rollover_max=1)
    client = factories.make_client(trainer, name="Ana")
    memberships.start_membership(trainer.id, client.id, plan.id, start_on=date(2026, 11, 1), prorate_first=False,
                                 actor="t")
    assert memberships.renew_memberships(trainer.id, date(2026, 12, 1)) == 1
    assert sync_jobs(queued_job_ids) == []
