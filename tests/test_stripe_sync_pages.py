"""What the trainer sees of an auto-pay draft's Stripe invoice (from the database only) and "Sync now"."""
from app.extensions import db
from app.models import Invoice
from app.services import autopay_cards, drafts, stripe_sync
from tests import factories
from tests.stripe_sync_helpers import autopay_draft, stripe_items


def test_the_client_page_and_the_draft_say_changes_waiting_then_in_sync_after_sync_now(
        app, fake_stripe, logged_in, trainer, run_worker):
    draft = autopay_draft(fake_stripe, sessions=2, trainer=trainer)
    page = logged_in.get(f"/clients/{draft.client_id}").get_data(as_text=True)
    assert "Changes waiting" in page and f'id="stripe-sync-now-{draft.id}"' in page
    assert "Changes waiting" in logged_in.get("/invoices/create").get_data(as_text=True)
    calls = fake_stripe.calls()
    response = logged_in.post(f"/invoices/{draft.id}/stripe-sync", {"next": f"/clients/{draft.client_id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/clients/{draft.client_id}")
    assert fake_stripe.calls() == calls  # the sync runs in a job, not in the request
    run_worker()
    assert len(stripe_items(fake_stripe, draft.id)) == 2
    with_calls = fake_stripe.calls()
    assert "In sync" in logged_in.get(f"/clients/{draft.client_id}").get_data(as_text=True)
    assert "In sync" in logged_in.get("/invoices/create").get_data(as_text=True)
    assert fake_stripe.calls() == with_calls  # pages read the database, never Stripe


def test_a_failed_sync_shows_its_reason(app, fake_stripe, logged_in, trainer):
    draft = autopay_draft(fake_stripe, sessions=1, trainer=trainer)
    stripe_sync.sync_invoice(draft.id)
    invoice = db.session.get(Invoice, draft.id)
    fake_stripe.disconnect(autopay_cards.active_card(invoice.client_id).stripe_account_id)
    drafts.add_line(trainer.id, invoice.id, invoice.version, "t", description="Mat", quantity=1, unit_price_cents=500)
    stripe_sync.sync_invoice(draft.id)
    page = logged_in.get(f"/clients/{draft.client_id}").get_data(as_text=True)
    assert "Sync failed: " in page and "does not have access" in page


def test_a_client_not_on_autopay_shows_no_sync_state(app, fake_stripe, logged_in, trainer):
    client = factories.make_client(trainer)
    factories.make_session(client)
    drafts.sync_drafts(trainer.id)
    assert "Auto-pay invoice at Stripe" not in logged_in.get(f"/clients/{client.id}").get_data(as_text=True)


def test_sync_now_on_another_trainers_draft_is_404_and_enqueues_nothing(app, fake_stripe, logged_in, queued_job_ids):
    other = factories.make_trainer()
    draft = autopay_draft(fake_stripe, sessions=1, trainer=other)
    before = queued_job_ids()
    assert logged_in.post(f"/invoices/{draft.id}/stripe-sync").status_code == 404
    assert queued_job_ids() == before


def test_sync_now_without_the_csrf_token_is_refused(app, fake_stripe, logged_in, trainer, queued_job_ids):
    draft = autopay_draft(fake_stripe, sessions=1, trainer=trainer)
    logged_in.get("/invoices/create")
    before = queued_job_ids()
    response = logged_in.client.post(f"/invoices/{draft.id}/stripe-sync")
    assert response.status_code == 400
    assert queued_job_ids() == before


def test_sync_now_over_the_api_queues_the_job_and_says_the_state_as_the_page_does(app, client, fake_stripe, trainer,
                                                                                   run_worker, queued_job_ids):
    from tests.api_helpers import problem_of, token_headers

    draft = autopay_draft(fake_stripe, sessions=2, trainer=trainer)
    run_worker()  # the draft's own sync
    headers = token_headers(trainer.id)
    answer = client.post(f"/api/v1/drafts/{draft.id}/stripe-sync", headers=headers)
    assert answer.status_code == 200
    assert answer.get_json() == {"draft_id": draft.id, "sync_state": "in sync", "reason": "", "queued": True}
    assert f"stripe-sync-{draft.id}" in queued_job_ids()
    other_draft = autopay_draft(fake_stripe, sessions=1, trainer=factories.make_trainer())
    problem_of(client.post(f"/api/v1/drafts/{other_draft.id}/stripe-sync", headers=headers), 404)
    problem_of(client.post(f"/api/v1/drafts/{draft.id}/stripe-sync", headers=token_headers(trainer.id, "read")), 403)


def test_the_dashboard_leads_to_the_autopay_overview_which_says_each_drafts_sync_state(
        app, fake_stripe, logged_in, trainer, run_worker):
    assert 'id="autopay-overview"' not in logged_in.get("/dashboard").get_data(as_text=True)  # no one on auto-pay yet
    draft = autopay_draft(fake_stripe, sessions=2, trainer=trainer)
    dashboard = logged_in.get("/dashboard").get_data(as_text=True)
    assert "Auto-pay · 1 client: charges and sync" in dashboard and 'href="/invoices/autopay"' in dashboard
    assert "Next invoice at Stripe: changes waiting" in logged_in.get("/invoices/autopay").get_data(as_text=True)
    run_worker()
    overview = logged_in.get("/invoices/autopay").get_data(as_text=True)
    assert "Next invoice at Stripe: in sync" in overview and draft.client.name in overview
