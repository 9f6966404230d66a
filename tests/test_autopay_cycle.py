"""The end of an auto-pay cycle: the sent invoice finalized at Stripe by a job after the send, the client
told which card is charged and when, the fallback to the pay link when Stripe cannot take it, and
Stripe's invoice.finalized webhook."""
import re

from sqlalchemy import select

from app.extensions import db
from app.models import AutopayCard, Invoice, InvoiceStatus, OutboxMessage, StripeEvent
from app.services import autopay_cards, autopay_cycle
from tests import factories
from tests.invoice_helpers import submit_drafts
from tests.stripe_helpers import deliver
from tests.stripe_sync_helpers import autopay_draft, current_of, stripe_items


def send(trainer_id: int) -> Invoice:
    submit_drafts(trainer_id, "send-key")
    return db.session.scalar(select(Invoice).where(Invoice.trainer_id == trainer_id,
                                                   Invoice.status == InvoiceStatus.open))


def texts_of(invoice_id: int, kind: str = "invoice") -> list[str]:
    """The invoice's messages of one kind (the invoice itself unless told; a receipt follows a charge)."""
    db.session.expire_all()
    return [m.body for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.invoice_id == invoice_id,
                                                                           OutboxMessage.kind == kind))]


def test_a_sent_autopay_invoice_is_finalized_at_stripe_and_the_text_names_the_card_and_day(app, fake_stripe,
                                                                                          run_worker):
    draft = autopay_draft(fake_stripe, sessions=2)
    run_worker()  # the draft's own sync
    finalize_calls = fake_stripe.calls("POST", "/v1/invoices/")
    invoice = send(draft.trainer_id)
    assert fake_stripe.calls("POST", "/v1/invoices/") == finalize_calls  # nothing at Stripe inside the Send
    run_worker()
    current = current_of(invoice.id)
    [stripe_invoice] = fake_stripe.invoices_on(current.stripe_account_id)
    # Finalized with auto_advance off, then charged once by Spotter's first attempt: paid, at Stripe and here.
    assert stripe_invoice["auto_advance"] is False and stripe_invoice["status_transitions"]["finalized_at"]
    assert stripe_invoice["status"] == "paid" and len(fake_stripe.invoice_pays(stripe_invoice["id"])) == 1
    assert current.state == "paid" and current.hosted_invoice_url == stripe_invoice["hosted_invoice_url"]
    assert current.charge_on is not None and current.finalized_at is not None
    db.session.refresh(invoice)
    assert invoice.status == InvoiceStatus.paid and invoice.due_cents == 0
    day = f"{invoice.issue_date:%b} {invoice.issue_date.day}"
    [text] = texts_of(invoice.id)
    # A first text with its STOP line is too long for two segments with the bullet: the SMS pipeline's
    # GSM-7 fallback drops it ("Visa 4242"); the email keeps "Visa •4242".
    assert re.search(rf"Will be charged to Visa •?4242 on {day}\.", text), text
    assert len(stripe_items(fake_stripe, invoice.id)) == 2


def test_finalizing_twice_finalizes_once(app, fake_stripe, run_worker):
    draft = autopay_draft(fake_stripe, sessions=1)
    card = db.session.scalar(select(AutopayCard).where(AutopayCard.client_id == draft.client_id))
    fake_stripe.card_results[card.stripe_customer_id] = "insufficient_funds"  # so it stays open after its charge
    invoice = send(draft.trainer_id)
    run_worker()
    assert autopay_cycle.finalize_sent_invoice(invoice.id) == "already open"
    assert fake_stripe.call_counts().get("POST /v1/invoices/{id}/finalize") == 1


def test_a_disconnected_account_falls_back_to_the_pay_link_and_the_trainer_sees_why(app, fake_stripe, run_worker,
                                                                                  browser):
    draft = autopay_draft(fake_stripe, sessions=1)
    run_worker()
    fake_stripe.disconnect(current_of(draft.id).stripe_account_id)
    invoice = send(draft.trainer_id)
    run_worker()
    current = current_of(invoice.id)
    assert current.state == "fallback" and "does not have access" in current.fallback_reason
    browser.login(invoice.trainer.email)
    page = browser.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Auto-pay did not charge this invoice." in page and "does not have access" in page


def test_a_card_removed_before_the_send_falls_back_with_that_reason(app, fake_stripe, run_worker):
    draft = autopay_draft(fake_stripe, sessions=1)
    run_worker()
    card = autopay_cards.active_card(draft.client_id)
    card.stripe_payment_method_id = None
    db.session.commit()
    invoice = send(draft.trainer_id)
    assert autopay_cycle.finalize_sent_invoice(invoice.id).startswith("fallback")
    assert "card was removed" in current_of(invoice.id).fallback_reason
    assert fake_stripe.calls("POST", "/v1/invoices/") == 0


def test_a_client_not_on_autopay_is_sent_as_before(app, fake_stripe, run_worker):
    trainer = factories.make_trainer()
    client = factories.make_client(trainer)
    factories.make_session(client)
    invoice = send(trainer.id)
    run_worker()
    assert fake_stripe.calls() == 0
    assert "Will be charged" not in texts_of(invoice.id)[0]


def finalized_invoice(fake_stripe, run_worker) -> Invoice:
    draft = autopay_draft(fake_stripe, sessions=1)
    invoice = send(draft.trainer_id)
    run_worker()
    return invoice


def test_invoice_finalized_is_stored_once_and_brings_the_next_draft_its_current_invoice(app, client, fake_stripe,
                                                                                       run_worker, queued_job_ids):
    invoice = finalized_invoice(fake_stripe, run_worker)
    current = current_of(invoice.id)
    factories.make_session(invoice.client)  # the next cycle's first session
    from app.services.billing_engine import build_drafts
    [next_draft] = build_drafts(invoice.trainer_id)
    run_worker()
    fake_stripe.dashboard_delete_invoice(current_of(next_draft.id).stripe_invoice_id)  # lost at Stripe meanwhile
    event = fake_stripe.event("invoice.finalized", current.stripe_invoice_id)
    for _ in range(3):
        assert deliver(client, event).status_code == 200
    assert db.session.scalar(select(StripeEvent).where(StripeEvent.id == event["id"])) is not None
    assert queued_job_ids().count(f"stripe-sync-{next_draft.id}") == 1
    run_worker()
    assert len(stripe_items(fake_stripe, next_draft.id)) == 1
    assert current_of(invoice.id).state == "paid"  # charged at once: the late event takes nothing back


def test_invoice_finalized_for_an_unknown_account_or_invoice_changes_nothing(app, client, fake_stripe, run_worker,
                                                                            queued_job_ids):
    invoice = finalized_invoice(fake_stripe, run_worker)
    current = current_of(invoice.id)
    stranger = fake_stripe.add_account()
    for event in (fake_stripe.event("invoice.finalized", current.stripe_invoice_id, account=stranger),
                  {**fake_stripe.event("invoice.finalized", current.stripe_invoice_id),
                   "data": {"object": {"id": "in_test_unknown", "object": "invoice"}}}):
        assert deliver(client, event).status_code == 200
    assert queued_job_ids() == []
    assert current_of(invoice.id).state == "paid"


def test_invoice_finalized_with_a_bad_signature_is_refused(app, client, fake_stripe, run_worker):
    invoice = finalized_invoice(fake_stripe, run_worker)
    event = fake_stripe.event("invoice.finalized", current_of(invoice.id).stripe_invoice_id)
    assert deliver(client, event, secret="whsec_wrong").status_code == 400
    assert db.session.scalar(select(StripeEvent).where(StripeEvent.id == event["id"])) is None


def test_the_email_says_will_be_charged_to_visa_4242_on_the_day(app, fake_stripe, smtp_server, run_worker):
    trainer = factories.make_trainer()
    client = factories.make_client(trainer, email="ann@example.com", channels="email")
    factories.make_autopay_card(client, stripe_account_id=fake_stripe.add_account())
    factories.make_session(client)
    invoice = send(trainer.id)
    run_worker()
    invoice_email, receipt = smtp_server.messages  # the invoice, then the receipt of its charge
    day = f"{invoice.issue_date:%b} {invoice.issue_date.day}"
    assert f"Will be charged to Visa •4242 on {day}." in invoice_email.get_body(("plain",)).get_content()
    assert f"Will be charged to Visa •4242 on {day}." in invoice_email.get_body(("html",)).get_content()
    assert "Will be charged" not in receipt.get_body(("plain",)).get_content()
    assert current_of(invoice.id).state == "paid"


def test_the_public_page_says_which_card_is_charged_until_it_falls_back(app, client, fake_stripe, run_worker):
    from app.services.links import token_for

    trainer = factories.make_trainer()
    trainer.stripe_account_id = fake_stripe.add_account()
    db.session.commit()
    draft = autopay_draft(fake_stripe, sessions=1, trainer=trainer, account=trainer.stripe_account_id)
    run_worker()  # the draft's own sync
    invoice = send(draft.trainer_id)
    day = f"{invoice.issue_date:%b} {invoice.issue_date.day}"
    # Between the Send and the charge (the worker's job right after it) her link names the card and day.
    page = client.get(f"/i/{token_for(invoice)}").get_data(as_text=True)
    assert f"Will be charged to Visa •4242 on {day}." in page
    current = current_of(invoice.id)
    current.state, current.fallback_reason = "fallback", "Stripe could not finalize the invoice."
    db.session.commit()
    assert "Will be charged" not in client.get(f"/i/{token_for(invoice)}").get_data(as_text=True)
