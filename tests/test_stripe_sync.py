"""Auto-pay: the Stripe current invoice of a draft kept in line with it, against the fake Stripe."""
import pytest

from app.extensions import db
from app.integrations import stripe_invoices
from app.models import Invoice
from app.services import drafts, stripe_sync, stripe_sync_state
from tests.stripe_sync_helpers import autopay_draft, current_of, line_ids_at_stripe, stripe_items


def fresh(invoice_id: int) -> Invoice:
    db.session.expire_all()
    return db.session.get(Invoice, invoice_id)


def test_first_sync_makes_one_draft_invoice_with_one_item_per_line(app, fake_stripe):
    draft = autopay_draft(fake_stripe, sessions=3)
    assert stripe_sync.sync_invoice(draft.id).startswith("in sync")
    current = current_of(draft.id)
    [stripe_invoice] = fake_stripe.invoices_on(current.stripe_account_id)
    assert stripe_invoice["id"] == current.stripe_invoice_id
    assert stripe_invoice["status"] == "draft"
    assert stripe_invoice["collection_method"] == "charge_automatically"
    assert stripe_invoice["auto_advance"] is False
    assert stripe_invoice["pending_invoice_items_behavior"] == "exclude"
    assert stripe_invoice["metadata"]["spotter_invoice_id"] == str(draft.id)
    items = stripe_items(fake_stripe, draft.id)
    assert sorted(i["amount"] for i in items) == [8000, 8000, 8000]
    assert line_ids_at_stripe(fake_stripe, draft.id) == sorted(str(line.id) for line in fresh(draft.id).live_lines)
    assert current.synced_version == fresh(draft.id).version and current.sync_error == ""
    assert current.synced_at is not None


def test_a_second_sync_with_nothing_changed_writes_nothing_and_reads_once(app, fake_stripe):
    draft = autopay_draft(fake_stripe)
    stripe_sync.sync_invoice(draft.id)
    writes, reads = fake_stripe.writes(), fake_stripe.calls("GET")
    stripe_sync.sync_invoice(draft.id)
    assert fake_stripe.writes() == writes
    assert fake_stripe.calls("GET") == reads + 1


def test_a_repriced_line_is_one_update_made_by_the_job_enqueued_after_the_edit(app, fake_stripe, run_worker):
    draft = autopay_draft(fake_stripe)
    stripe_sync.sync_invoice(draft.id)
    invoice = fresh(draft.id)
    line = invoice.live_lines[0]
    writes = fake_stripe.writes()
    drafts.update_line(invoice.trainer_id, invoice.id, line.id, invoice.version, "t", unit_price_cents=6500)
    run_worker()
    assert fake_stripe.writes() == writes + 1
    assert fake_stripe.call_counts()["POST /v1/invoiceitems/{id}"] == 1
    by_line = {i["metadata"]["spotter_line_id"]: i for i in stripe_items(fake_stripe, draft.id)}
    assert by_line[str(line.id)]["amount"] == 6500
    assert current_of(draft.id).synced_version == fresh(draft.id).version


def test_removed_and_added_lines_are_deleted_and_created(app, fake_stripe):
    draft = autopay_draft(fake_stripe)
    stripe_sync.sync_invoice(draft.id)
    invoice = fresh(draft.id)
    removed = invoice.live_lines[0]
    drafts.remove_line(invoice.trainer_id, invoice.id, removed.id, invoice.version, "t")
    invoice = fresh(draft.id)
    drafts.add_line(invoice.trainer_id, invoice.id, invoice.version, "t", description="Bands", quantity=2,
                    unit_price_cents=1250)
    stripe_sync.sync_invoice(draft.id)
    assert line_ids_at_stripe(fake_stripe, draft.id) == sorted(str(line.id) for line in fresh(draft.id).live_lines)
    bands = [i for i in stripe_items(fake_stripe, draft.id) if i["description"] == "Bands"]
    assert [(b["quantity"], b["amount"]) for b in bands] == [(2, 2500)]


def test_a_discount_and_a_no_charge_line_are_a_credit_and_a_zero_item(app, fake_stripe):
    draft = autopay_draft(fake_stripe, sessions=2)
    invoice = fresh(draft.id)
    free = invoice.live_lines[0]
    drafts.update_line(invoice.trainer_id, invoice.id, free.id, invoice.version, "t", no_charge=True,
                       no_charge_reason="Birthday")
    invoice = fresh(draft.id)
    drafts.add_line(invoice.trainer_id, invoice.id, invoice.version, "t", description="Loyalty", quantity=1,
                    unit_price_cents=-1000)
    stripe_sync.sync_invoice(draft.id)
    assert sorted(i["amount"] for i in stripe_items(fake_stripe, draft.id)) == [-1000, 0, 8000]


class Killed(BaseException):
    """The worker process dying: nothing after this point runs, nothing is committed."""


@pytest.mark.parametrize("killed_after", ["create_invoice", "create_invoice_item"])
def test_a_sync_killed_after_a_create_at_stripe_creates_nothing_twice_when_run_again(app, fake_stripe, monkeypatch,
                                                                                   killed_after):
    draft = autopay_draft(fake_stripe, sessions=3)
    real = getattr(stripe_invoices, killed_after)

    def answered_then_killed(*args, **kwargs):
        real(*args, **kwargs)
        raise Killed()

    monkeypatch.setattr(stripe_invoices, killed_after, answered_then_killed)
    with pytest.raises(Killed):
        stripe_sync.sync_invoice(draft.id)
    db.session.rollback()
    monkeypatch.setattr(stripe_invoices, killed_after, real)
    stripe_sync.sync_invoice(draft.id)
    stripe_sync.sync_invoice(draft.id)
    account = current_of(draft.id).stripe_account_id
    assert len(fake_stripe.invoices_on(account)) == 1
    assert line_ids_at_stripe(fake_stripe, draft.id) == sorted(str(line.id) for line in fresh(draft.id).live_lines)


def test_a_line_edited_during_a_sync_is_brought_in_before_the_job_ends(app, fake_stripe, monkeypatch):
    draft = autopay_draft(fake_stripe, sessions=2)
    stripe_sync.sync_invoice(draft.id)
    real = stripe_invoices.list_invoice_items
    edited = []

    def edit_while_listing(*args, **kwargs):
        items = real(*args, **kwargs)
        if not edited:
            invoice = fresh(draft.id)
            edited.append(invoice.live_lines[0].id)
            drafts.update_line(invoice.trainer_id, invoice.id, invoice.live_lines[0].id, invoice.version, "t",
                               unit_price_cents=9900)
        return items

    monkeypatch.setattr(stripe_invoices, "list_invoice_items", edit_while_listing)
    invoice = fresh(draft.id)
    drafts.add_line(invoice.trainer_id, invoice.id, invoice.version, "t", description="Mat", quantity=1,
                    unit_price_cents=500)
    stripe_sync.sync_invoice(draft.id)
    by_line = {i["metadata"]["spotter_line_id"]: i for i in stripe_items(fake_stripe, draft.id)}
    assert by_line[str(edited[0])]["amount"] == 9900
    assert current_of(draft.id).synced_version == fresh(draft.id).version
    assert stripe_sync_state.sync_states(invoice.trainer_id, [draft.id])[draft.id].label == "in sync"


def test_items_deleted_in_the_dashboard_are_put_back_every_time(app, fake_stripe):
    draft = autopay_draft(fake_stripe, sessions=3)
    stripe_sync.sync_invoice(draft.id)
    expected = line_ids_at_stripe(fake_stripe, draft.id)
    for _ in range(2):  # the put-back item deleted again is put back again
        victim = stripe_items(fake_stripe, draft.id)[0]
        fake_stripe.dashboard_delete_item(victim["id"])
        stripe_sync.sync_invoice(draft.id)
        assert line_ids_at_stripe(fake_stripe, draft.id) == expected


def test_an_item_changed_or_added_in_the_dashboard_is_brought_back_in_line(app, fake_stripe):
    draft = autopay_draft(fake_stripe, sessions=2)
    stripe_sync.sync_invoice(draft.id)
    current = current_of(draft.id)
    item = stripe_items(fake_stripe, draft.id)[0]
    fake_stripe.dashboard_update_item(item["id"], amount=1)
    with fake_stripe.lock:
        fake_stripe._create_item(current.stripe_account_id, {"invoice": current.stripe_invoice_id,
                                                             "unit_amount_decimal": "700", "description": "Stray"})
    stripe_sync.sync_invoice(draft.id)
    assert sorted(i["amount"] for i in stripe_items(fake_stripe, draft.id)) == [8000, 8000]


def test_an_invoice_deleted_in_the_dashboard_is_made_again_with_every_line(app, fake_stripe):
    draft = autopay_draft(fake_stripe, sessions=3)
    stripe_sync.sync_invoice(draft.id)
    first = current_of(draft.id).stripe_invoice_id
    for _ in range(2):
        fake_stripe.dashboard_delete_invoice(current_of(draft.id).stripe_invoice_id)
        stripe_sync.sync_invoice(draft.id)
    current = current_of(draft.id)
    assert current.stripe_invoice_id != first
    assert [i["id"] for i in fake_stripe.invoices_on(current.stripe_account_id)] == [current.stripe_invoice_id]
    assert len(stripe_items(fake_stripe, draft.id)) == 3


def test_a_storm_of_429s_is_waited_out(app, fake_stripe):
    draft = autopay_draft(fake_stripe, sessions=2)
    fake_stripe.storm(3, status=429)
    assert stripe_sync.sync_invoice(draft.id).startswith("in sync")
    assert len(stripe_items(fake_stripe, draft.id)) == 2


def test_a_storm_longer_than_the_retries_fails_the_sync_and_the_sweep_brings_it_in_line(app, fake_stripe,
                                                                                      run_worker):
    draft = autopay_draft(fake_stripe, sessions=2)
    fake_stripe.storm(1000, status=429)
    assert stripe_sync.sync_invoice(draft.id).startswith("sync failed")
    run_worker()  # the sync the draft's making enqueued fails too
    state = stripe_sync_state.sync_states(draft.trainer_id, [draft.id])[draft.id]
    assert state.label == "sync failed" and "429" in state.reason
    fake_stripe.storm(0)
    assert stripe_sync.sweep() == 1
    run_worker()
    assert stripe_sync_state.sync_states(draft.trainer_id, [draft.id])[draft.id].label == "in sync"
    assert len(stripe_items(fake_stripe, draft.id)) == 2
    assert stripe_sync.sweep() == 0


def test_calls_on_one_account_stay_under_the_configured_rate(app, fake_stripe):
    app.config["STRIPE_RATE_PER_SECOND"] = 5
    draft = autopay_draft(fake_stripe, sessions=9)
    stripe_sync.sync_invoice(draft.id)
    assert len(stripe_items(fake_stripe, draft.id)) == 9
    seconds = {}
    for at in fake_stripe.request_times():
        seconds[int(at)] = seconds.get(int(at), 0) + 1
    assert max(seconds.values()) <= 5 and len(seconds) >= 2


def test_a_disconnected_account_fails_the_sync_with_the_reason(app, fake_stripe):
    draft = autopay_draft(fake_stripe, sessions=2)
    stripe_sync.sync_invoice(draft.id)
    fake_stripe.disconnect(current_of(draft.id).stripe_account_id)
    invoice = fresh(draft.id)
    drafts.add_line(invoice.trainer_id, invoice.id, invoice.version, "t", description="Mat", quantity=1,
                    unit_price_cents=500)
    assert stripe_sync.sync_invoice(draft.id).startswith("sync failed")
    state = stripe_sync_state.sync_states(draft.trainer_id, [draft.id])[draft.id]
    assert state.label == "sync failed" and "does not have access" in state.reason
    assert current_of(draft.id).synced_version < fresh(draft.id).version


def test_a_draft_over_250_lines_is_refused_before_any_call(app, fake_stripe):
    draft = autopay_draft(fake_stripe, sessions=1)
    invoice = fresh(draft.id)
    for n in range(250):
        invoice.lines.append(type(invoice.lines[0])(trainer_id=invoice.trainer_id, description=f"Item {n}",
                                                    quantity=1, unit_price_cents=100))
    invoice.version += 1
    db.session.commit()
    calls = fake_stripe.calls()
    assert "at most 250" in stripe_sync.sync_invoice(draft.id)
    assert fake_stripe.calls() == calls
    assert "at most 250" in stripe_sync_state.sync_states(invoice.trainer_id, [draft.id])[draft.id].reason


def test_the_fake_holds_250_items_on_an_invoice_and_refuses_the_next(app, fake_stripe):
    from app.integrations.stripe_payments import ProviderRefused

    account = fake_stripe.add_account()
    invoice = stripe_invoices.create_invoice(account, "cus_1", {}, "k-inv")
    with fake_stripe.lock:  # 249 items put there directly, the 250th through the API
        for n in range(249):
            fake_stripe._create_item(account, {"invoice": invoice.id, "unit_amount_decimal": "100"})
    stripe_invoices.create_invoice_item(account, invoice_id=invoice.id, customer_id="cus_1", currency="usd",
                                        quantity=1, unit_amount_cents=100, description="250th", metadata={},
                                        idempotency_key="k-250")
    with pytest.raises(ProviderRefused, match="at most 250"):
        stripe_invoices.create_invoice_item(account, invoice_id=invoice.id, customer_id="cus_1", currency="usd",
                                            quantity=1, unit_amount_cents=100, description="one too many",
                                            metadata={}, idempotency_key="k-251")
    assert len(stripe_invoices.list_invoice_items(account, invoice.id)) == 250


def test_items_of_a_finalized_invoice_cannot_change(app, fake_stripe):
    from app.integrations.stripe_payments import ProviderRefused

    account = fake_stripe.add_account()
    invoice = stripe_invoices.create_invoice(account, "cus_1", {}, "k-inv")
    item = stripe_invoices.create_invoice_item(account, invoice_id=invoice.id, customer_id="cus_1", currency="usd",
                                               quantity=1, unit_amount_cents=100, description="a", metadata={},
                                               idempotency_key="k-1")
    opened = stripe_invoices.finalize_invoice(account, invoice.id, "k-fin")
    assert opened.status == "open" and opened.hosted_invoice_url and opened.number
    with pytest.raises(ProviderRefused) as refused:
        stripe_invoices.update_invoice_item(account, item.id, quantity=2, unit_amount_cents=100, description="a",
                                            idempotency_key="k-2")
    assert refused.value.code == "invoice_not_editable"
    with pytest.raises(ProviderRefused):
        stripe_invoices.delete_invoice_item(account, item.id)
    other = fake_stripe.add_account()
    with pytest.raises(stripe_invoices_not_found()):
        stripe_invoices.retrieve_invoice(other, invoice.id)


def test_the_fakes_invoice_is_one_object_from_draft_to_paid(app, fake_stripe):
    from app.integrations.stripe_payments import ProviderRefused

    account = fake_stripe.add_account()
    invoice = stripe_invoices.create_invoice(account, "cus_1", {"invoice_id": "7"}, "k-inv")
    with pytest.raises(ProviderRefused):
        stripe_invoices.pay_invoice(account, invoice.id, "k-early")  # a draft is not paid
    stripe_invoices.create_invoice_item(account, invoice_id=invoice.id, customer_id="cus_1", currency="usd",
                                        quantity=2, unit_amount_cents=4000, description="a", metadata={},
                                        idempotency_key="k-1")
    opened = stripe_invoices.finalize_invoice(account, invoice.id, "k-fin")
    with pytest.raises(ProviderRefused) as refused:
        stripe_invoices.finalize_invoice(account, invoice.id, "k-fin-again")
    assert refused.value.code == "invoice_not_editable"
    paid = stripe_invoices.pay_invoice(account, invoice.id, "k-pay")

    assert (opened.status, opened.amount_due) == ("open", 8000)
    assert (paid.status, paid.amount_paid, paid.number) == ("paid", 8000, opened.number)
    with pytest.raises(ProviderRefused):
        stripe_invoices.void_invoice(account, invoice.id, "k-void")
    made_open = fake_stripe.create_open_invoice(account, "cus_1", 8000, {"invoice_id": "8"})
    assert fake_stripe.invoices[made_open].keys() == fake_stripe.invoices[invoice.id].keys()  # one shape
    assert stripe_invoices.retrieve_invoice(account, made_open).amount_due == 8000


def stripe_invoices_not_found():
    from app.integrations.stripe_payments import ObjectNotFound

    return ObjectNotFound


def test_edits_in_a_row_enqueue_one_sync_per_draft(app, fake_stripe, queued_job_ids):
    draft = autopay_draft(fake_stripe, sessions=2)
    for price in (7000, 7100, 7200):
        invoice = fresh(draft.id)
        drafts.update_line(invoice.trainer_id, invoice.id, invoice.live_lines[0].id, invoice.version, "t",
                           unit_price_cents=price)
    assert queued_job_ids().count(f"stripe-sync-{draft.id}") == 1


def test_a_client_not_on_autopay_gets_no_stripe_invoice(app, fake_stripe, queued_job_ids):
    from tests import factories
    from app.services.billing_engine import build_drafts

    trainer = factories.make_trainer()
    client = factories.make_client(trainer)
    factories.make_session(client)
    [draft] = build_drafts(trainer.id)
    assert not [j for j in queued_job_ids() if j.startswith("stripe-sync-")]
    assert stripe_sync.sync_invoice(draft.id) == "not on auto-pay"
    assert fake_stripe.calls() == 0


def test_flask_stripe_sync_syncs_one_draft(app, fake_stripe, runner):
    draft = autopay_draft(fake_stripe, sessions=2)
    result = runner.invoke(args=["stripe-sync", str(draft.id)])
    assert result.exit_code == 0, result.output
    assert "in sync" in result.output
    assert len(stripe_items(fake_stripe, draft.id)) == 2
