"""Auto-pay: Stripe's draft invoice follows the Spotter draft when it changes outside the draft page (a
membership renewed) and when the draft stops needing one (emptied, gone, or auto-pay turned off)."""
from datetime import date

import pytest

from app.extensions import db
from app.integrations import stripe_invoices
from app.models import Invoice
from app.services import (autopay_cards, autopay_overview, clients, drafts, memberships, plans, sessions, stripe_sync,
                          stripe_sync_state)
from app.services.billing_engine import build_drafts
from tests import factories
from tests.invoice_helpers import draft_for
from tests.stripe_helpers import deliver
from tests.stripe_sync_helpers import autopay_draft, current_of, line_ids_at_stripe, stripe_items


def fresh(invoice_id: int) -> Invoice | None:
    db.session.expire_all()
    return db.session.get(Invoice, invoice_id)


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


def test_starting_and_changing_a_membership_of_an_autopay_client_each_enqueue_her_drafts_sync(
        app, fake_stripe, queued_job_ids, run_worker):
    trainer, client, draft_id = autopay_member(fake_stripe)
    assert sync_jobs(queued_job_ids) == [f"stripe-sync-{draft_id}"]  # the start's
    run_worker()
    platinum = plans.create_membership_plan(trainer.id, name="Platinum", price_cents=96000, cadence="monthly",
                                            anchor_day=1, included_sessions=4, extra_session_cents=7000,
                                            rollover_max=1)
    membership = memberships.live_membership(trainer.id, client.id)
    change = memberships.change_plan(trainer.id, membership.id, platinum.id, actor="t", today=date(2026, 11, 16))
    assert change.charged_cents > 0
    assert sync_jobs(queued_job_ids) == [f"stripe-sync-{draft_id}"]
    run_worker()
    descriptions = sorted(item["description"] for item in stripe_items(fake_stripe, draft_id))
    assert descriptions == sorted(line.description for line in draft_for(client).live_lines)


def test_a_renewal_of_a_client_not_on_autopay_enqueues_no_sync(app, fake_stripe, queued_job_ids):
    trainer = factories.make_trainer()
    plan = plans.create_membership_plan(trainer.id, name="Gold", price_cents=48000, cadence="monthly", anchor_day=1,
                                        included_sessions=2, extra_session_cents=7000, rollover_max=1)
    client = factories.make_client(trainer, name="Ana")
    memberships.start_membership(trainer.id, client.id, plan.id, start_on=date(2026, 11, 1), prorate_first=False,
                                 actor="t")
    assert memberships.renew_memberships(trainer.id, date(2026, 12, 1)) == 1
    assert sync_jobs(queued_job_ids) == []


# Stray Stripe drafts ---------------------------------------------------------------------------------------

class Killed(BaseException):
    """The worker process dying: nothing after this point runs, nothing is committed."""


def synced_draft(fake_stripe, sessions: int = 2):
    """An auto-pay draft synced once: (draft, its Stripe draft's id, the trainer's account)."""
    draft = autopay_draft(fake_stripe, sessions=sessions)
    assert stripe_sync.sync_invoice(draft.id).startswith("in sync")
    current = current_of(draft.id)
    return draft, current.stripe_invoice_id, current.stripe_account_id


def deletes(fake_stripe) -> int:
    return fake_stripe.call_counts().get("DELETE /v1/invoices/{id}", 0)


def empty(draft_id: int) -> None:
    for line in fresh(draft_id).live_lines:
        invoice = fresh(draft_id)
        drafts.remove_line(invoice.trainer_id, invoice.id, line.id, invoice.version, "t")


def test_emptying_a_synced_draft_deletes_its_stripe_draft_once(app, fake_stripe, queued_job_ids, run_worker):
    draft, stripe_id, account = synced_draft(fake_stripe)
    empty(draft.id)
    assert sync_jobs(queued_job_ids) == [f"stripe-sync-{draft.id}"]
    assert stripe_sync_state.sync_states(draft.trainer_id, [draft.id])[draft.id].label == "changes waiting"
    run_worker()
    assert stripe_sync_state.sync_states(draft.trainer_id, [draft.id])[draft.id].label == "in sync"
    assert deletes(fake_stripe) == 1
    assert stripe_id not in fake_stripe.invoices and fake_stripe.invoices_on(account) == []
    assert current_of(draft.id) is None  # nothing left for the overview to show
    calls = fake_stripe.calls()
    assert stripe_sync.sync_invoice(draft.id) == "nothing to sync"
    assert fake_stripe.calls() == calls


def test_an_empty_draft_never_synced_makes_no_stripe_invoice(app, fake_stripe):
    draft = autopay_draft(fake_stripe, sessions=1)
    empty(draft.id)
    assert stripe_sync.sync_invoice(draft.id) == "nothing to sync"
    assert fake_stripe.calls() == 0 and current_of(draft.id) is None


def test_a_draft_left_without_sessions_goes_with_its_stripe_draft(app, fake_stripe, run_worker):
    draft, stripe_id, account = synced_draft(fake_stripe)
    draft_id, trainer_id = draft.id, draft.trainer_id
    for line in fresh(draft_id).live_lines:
        sessions.cancel_session(trainer_id, line.session_id)
    build_drafts(trainer_id)
    assert fresh(draft_id) is not None  # kept until its Stripe draft is deleted
    run_worker()
    assert deletes(fake_stripe) == 1 and fake_stripe.invoices_on(account) == []
    assert fresh(draft_id) is None and current_of(draft_id) is None


def test_turning_autopay_off_deletes_the_stripe_draft_and_on_again_makes_a_new_one(app, fake_stripe, run_worker):
    draft, stripe_id, account = synced_draft(fake_stripe, sessions=3)
    autopay_cards.turn_off_for_trainer(draft.trainer_id, draft.client_id)
    run_worker()
    assert deletes(fake_stripe) == 1 and fake_stripe.invoices_on(account) == []
    assert current_of(draft.id) is None
    assert autopay_overview.client_autopay(draft.trainer_id, draft.client_id).charge is None

    card = autopay_cards.card_of(draft.client_id)
    card.enabled = True
    db.session.commit()
    assert stripe_sync.sync_invoice(draft.id).startswith("in sync")
    current = current_of(draft.id)
    assert current.stripe_invoice_id != stripe_id
    assert [i["id"] for i in fake_stripe.invoices_on(account)] == [current.stripe_invoice_id]
    assert line_ids_at_stripe(fake_stripe, draft.id) == sorted(str(line.id) for line in fresh(draft.id).live_lines)


def test_archiving_the_client_deletes_the_stripe_draft(app, fake_stripe, run_worker):
    draft, stripe_id, account = synced_draft(fake_stripe)
    clients.set_archived(draft.trainer_id, draft.client_id, True)
    run_worker()
    assert deletes(fake_stripe) == 1 and fake_stripe.invoices_on(account) == []
    clients.set_archived(draft.trainer_id, draft.client_id, False)
    run_worker()
    assert len(fake_stripe.invoices_on(account)) == 1
    assert len(stripe_items(fake_stripe, draft.id)) == 2


def test_a_removed_card_deletes_the_stripe_draft(app, client, fake_stripe, run_worker):
    draft, stripe_id, account = synced_draft(fake_stripe)
    card = autopay_cards.card_of(draft.client_id)
    customer = fake_stripe.add_customer(account)
    card.stripe_customer_id, card.stripe_payment_method_id = customer, fake_stripe.add_card(account, customer)
    db.session.commit()
    deliver(client, fake_stripe.detach_card(card.stripe_payment_method_id))
    assert autopay_cards.active_card(draft.client_id) is None
    run_worker()
    assert deletes(fake_stripe) == 1 and fake_stripe.invoices_on(account) == []


def test_the_sweep_deletes_a_stray_the_enqueue_missed(app, fake_stripe, run_worker):
    draft, stripe_id, account = synced_draft(fake_stripe)
    run_worker()  # the sync the draft's making enqueued
    card = autopay_cards.card_of(draft.client_id)
    card.enabled = False  # turned off with Redis out of reach: no sync enqueued
    db.session.commit()
    assert stripe_sync.sweep() == 1
    run_worker()
    assert deletes(fake_stripe) == 1 and fake_stripe.invoices_on(account) == []
    assert stripe_sync.sweep() == 0


def test_a_finalized_stripe_invoice_is_never_deleted(app, fake_stripe, run_worker):
    draft, stripe_id, account = synced_draft(fake_stripe)
    stripe_invoices.finalize_invoice(account, stripe_id, "finalized-behind-our-back")
    autopay_cards.turn_off_for_trainer(draft.trainer_id, draft.client_id)
    run_worker()
    assert deletes(fake_stripe) == 0
    assert fake_stripe.invoices[stripe_id]["status"] == "open"
    current = current_of(draft.id)
    assert current.stripe_invoice_id == stripe_id and "open at Stripe" in current.sync_error


def test_a_removal_run_twice_deletes_once(app, fake_stripe):
    draft, stripe_id, account = synced_draft(fake_stripe)
    empty(draft.id)
    assert stripe_sync.sync_invoice(draft.id) == "Stripe draft deleted"
    assert stripe_sync.sync_invoice(draft.id) == "nothing to sync"
    assert deletes(fake_stripe) == 1


def test_a_removal_killed_after_stripes_answer_finishes_here_when_run_again(app, fake_stripe, monkeypatch):
    draft, stripe_id, account = synced_draft(fake_stripe)
    autopay_cards.turn_off_for_trainer(draft.trainer_id, draft.client_id)
    real = stripe_invoices.delete_invoice

    def answered_then_killed(*args, **kwargs):
        real(*args, **kwargs)
        raise Killed()

    monkeypatch.setattr(stripe_invoices, "delete_invoice", answered_then_killed)
    with pytest.raises(Killed):
        stripe_sync.sync_invoice(draft.id)
    db.session.rollback()
    monkeypatch.setattr(stripe_invoices, "delete_invoice", real)
    assert current_of(draft.id).stripe_invoice_id == stripe_id  # Stripe deleted it; we had not recorded it
    assert stripe_sync.sync_invoice(draft.id) == "Stripe draft deleted"  # resource_missing: already done
    assert deletes(fake_stripe) == 1
    assert current_of(draft.id) is None and fake_stripe.invoices_on(account) == []


def test_stripe_refuses_deleting_a_finalized_invoice_and_answers_404_for_a_deleted_one(app, fake_stripe):
    from app.integrations.stripe_payments import ObjectNotFound, ProviderRefused

    draft, stripe_id, account = synced_draft(fake_stripe)
    stripe_invoices.delete_invoice(account, stripe_id)
    with pytest.raises(ObjectNotFound):
        stripe_invoices.delete_invoice(account, stripe_id)
    other, open_id, other_account = synced_draft(fake_stripe)
    stripe_invoices.finalize_invoice(other_account, open_id, "finalize-it")
    with pytest.raises(ProviderRefused) as refused:
        stripe_invoices.delete_invoice(other_account, open_id)
    assert refused.value.code == "invoice_not_editable"
    assert fake_stripe.invoices[open_id]["status"] == "open"


def test_the_sweep_takes_the_same_number_of_queries_for_2_and_6_strays(app, fake_stripe, count_queries, run_worker):
    def sweep_with(n):
        made = [synced_draft(fake_stripe)[0] for _ in range(n)]
        run_worker()
        for draft in made:
            card = autopay_cards.card_of(draft.client_id)
            card.enabled = False
        db.session.commit()
        with count_queries() as q:
            assert stripe_sync.sweep() == n
        run_worker()
        return q.count

    assert sweep_with(2) == sweep_with(6)
