"""Stripe's webhook: signed or refused, each event applied once, the books always matching Stripe."""
import json
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.services.ledger import credit_cents
from app.models import CheckoutAttempt, Invoice, InvoiceStatus, PaymentMethod, PaymentStatus, StripeEvent
from app.services.invoices import void_invoice
from app.services.payments import record_manual_payment
from app.services.stripe_connect import disconnect_account
from tests.conftest import at_once
from tests.stripe_helpers import (card_payments, connected_trainer, deliver, history, open_checkout, post_webhook,
                                  press_pay_by_card, receipts, sent_invoice, signature_header, stored_events,
                                  unflagged_paid_cents)


@pytest.fixture
def open_session(app, browser, fake_stripe):
    """A client who pressed "Pay by card" on her $80.00 invoice: (invoice, session id)."""
    return open_checkout(browser, fake_stripe)


def _invoice(invoice_id: int) -> Invoice:
    db.session.expire_all()
    return db.session.get(Invoice, invoice_id)


# Each event once, however often it comes

def test_the_same_completion_delivered_five_times_books_one_payment_and_texts_one_receipt(
        client, fake_stripe, open_session):
    invoice, session_id = open_session
    fake_stripe.complete_session(session_id)
    event = fake_stripe.event("checkout.session.completed", session_id)

    answers = [deliver(client, event) for _ in range(5)]

    assert [a.status_code for a in answers] == [200] * 5
    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.amount_cents, payment.refund_flag) == (PaymentStatus.succeeded, 8000, "")
    paid = _invoice(invoice.id)
    assert (paid.status, paid.paid_cents, paid.due_cents) == (InvoiceStatus.paid, 8000, 0)
    assert len(history(invoice.id, "card_payment")) == 1
    assert receipts(invoice.id) == 1
    assert stored_events() == 1


def _deliver_at_once(app, fake_stripe, events: list[dict]) -> list[int]:
    """Each event from its own thread, with its own test client (and so its own app context and
    database session), all released at the same moment. Stripe answers slowly, so that every
    delivery has checked for the event and read Stripe before any of them writes."""
    fake_stripe.read_delay_seconds = 0.3
    return at_once([lambda event=event: deliver(app.test_client(), event).status_code for event in events])


def test_the_same_completion_delivered_ten_times_at_once_books_one_payment_and_one_receipt(
        app, fake_stripe, open_session):
    invoice, session_id = open_session
    fake_stripe.complete_session(session_id)
    event = fake_stripe.event("checkout.session.completed", session_id)

    assert _deliver_at_once(app, fake_stripe, [event] * 10) == [200] * 10

    [payment] = card_payments(invoice.id)
    assert payment.status == PaymentStatus.succeeded
    assert _invoice(invoice.id).status == InvoiceStatus.paid
    assert len(history(invoice.id, "card_payment")) == 1
    assert receipts(invoice.id) == 1
    assert stored_events() == 1


def test_different_events_about_one_payment_at_once_book_it_once(app, fake_stripe, open_session):
    invoice, session_id = open_session
    intent_id = fake_stripe.complete_session(session_id)
    events = [fake_stripe.event("checkout.session.completed", session_id) for _ in range(5)] + \
             [fake_stripe.event("payment_intent.succeeded", intent_id) for _ in range(5)]

    assert _deliver_at_once(app, fake_stripe, events) == [200] * 10

    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.stripe_payment_intent_id) == (PaymentStatus.succeeded, intent_id)
    assert _invoice(invoice.id).paid_cents == 8000
    assert len(history(invoice.id, "card_payment")) == 1
    assert receipts(invoice.id) == 1
    assert stored_events() == 10


# Signatures

@pytest.mark.parametrize("seconds_off, accepted", [(0, True), (-290, True), (290, True),
                                                   (-310, False), (310, False), (-86400, False), (86400, False)])
def test_signature_timestamps_outside_the_tolerance_are_refused(client, fake_stripe, open_session,
                                                                seconds_off, accepted):
    invoice, session_id = open_session
    fake_stripe.complete_session(session_id)
    event = fake_stripe.event("checkout.session.completed", session_id)

    response = deliver(client, event, timestamp=int(time.time()) + seconds_off)

    assert response.status_code == (200 if accepted else 400)
    assert stored_events() == (1 if accepted else 0)
    assert len(card_payments(invoice.id)) == (1 if accepted else 0)


@pytest.mark.parametrize("forgery", ["tampered body", "wrong secret", "missing header", "garbled header",
                                     "no secret configured"])
def test_forged_deliveries_are_400_and_write_nothing(app, client, fake_stripe, open_session, forgery):
    invoice, session_id = open_session
    fake_stripe.complete_session(session_id)
    payload = json.dumps(fake_stripe.event("checkout.session.completed", session_id))
    headers = {"Stripe-Signature": signature_header(payload)}
    if forgery == "tampered body":
        payload = payload.replace('"amount_total": 8000', '"amount_total": 1')
    elif forgery == "wrong secret":
        headers["Stripe-Signature"] = signature_header(payload, secret="whsec_someone_else")
    elif forgery == "missing header":
        headers = {}
    elif forgery == "garbled header":
        headers["Stripe-Signature"] = "t=soon,v1=nothing"
    else:
        app.config["STRIPE_WEBHOOK_SECRET"] = ""

    response = post_webhook(client, payload, headers)

    assert response.status_code == 400
    assert stored_events() == 0
    assert card_payments(invoice.id) == []
    assert _invoice(invoice.id).status == InvoiceStatus.open


def test_webhook_needs_no_csrf_token_or_login(client, fake_stripe, open_session):
    _invoice_, session_id = open_session
    response = deliver(client, fake_stripe.event("checkout.session.expired", session_id))
    assert response.status_code == 200


# Order does not matter: the books end where Stripe is

def test_refund_arriving_before_the_completion_ends_refunded_and_open(client, fake_stripe, open_session):
    invoice, session_id = open_session
    intent_id = fake_stripe.complete_session(session_id)
    completed = fake_stripe.event("checkout.session.completed", session_id)  # made when it was paid
    charge_id = fake_stripe.refund(intent_id)

    deliver(client, fake_stripe.event("charge.refunded", charge_id))
    deliver(client, completed)

    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.amount_cents, payment.refunded_cents) == (PaymentStatus.refunded, 8000, 8000)
    assert payment.refund_flag == ""
    reopened = _invoice(invoice.id)
    assert (reopened.status, reopened.paid_cents, reopened.due_cents) == (InvoiceStatus.open, 0, 8000)
    assert receipts(invoice.id) == 0


def test_partial_refund_after_payment_reopens_the_invoice_for_the_difference(client, fake_stripe, open_session):
    invoice, session_id = open_session
    intent_id = fake_stripe.complete_session(session_id)
    deliver(client, fake_stripe.event("checkout.session.completed", session_id))
    assert _invoice(invoice.id).status == InvoiceStatus.paid

    charge_id = fake_stripe.refund(intent_id, 3000)
    refunded = fake_stripe.event("charge.refunded", charge_id)
    deliver(client, refunded)
    deliver(client, refunded)

    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.refunded_cents) == (PaymentStatus.succeeded, 3000)
    reopened = _invoice(invoice.id)
    assert (reopened.status, reopened.paid_cents, reopened.due_cents) == (InvoiceStatus.open, 5000, 3000)
    [refund] = history(invoice.id, "refund")
    assert "$30.00" in refund.to_value


def test_payment_intent_event_before_the_session_event_books_the_payment_once(client, fake_stripe, open_session):
    invoice, session_id = open_session
    intent_id = fake_stripe.complete_session(session_id)

    deliver(client, fake_stripe.event("payment_intent.succeeded", intent_id))
    assert _invoice(invoice.id).status == InvoiceStatus.paid
    deliver(client, fake_stripe.event("checkout.session.completed", session_id))

    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.stripe_checkout_session_id) == (PaymentStatus.succeeded, session_id)
    assert receipts(invoice.id) == 1
    attempt = db.session.scalar(select(CheckoutAttempt).where(CheckoutAttempt.invoice_id == invoice.id))
    assert attempt.status == "complete"


def test_bank_debit_processes_then_succeeds_and_only_then_the_invoice_is_paid(client, fake_stripe, open_session):
    invoice, session_id = open_session
    intent_id = fake_stripe.complete_session(session_id, async_payment=True)

    deliver(client, fake_stripe.event("checkout.session.completed", session_id))
    [payment] = card_payments(invoice.id)
    assert payment.status == PaymentStatus.pending
    assert _invoice(invoice.id).status == InvoiceStatus.open

    fake_stripe.settle_async(intent_id, succeeded=True)
    deliver(client, fake_stripe.event("checkout.session.async_payment_succeeded", session_id))

    [payment] = card_payments(invoice.id)
    assert payment.status == PaymentStatus.succeeded
    assert _invoice(invoice.id).status == InvoiceStatus.paid
    assert receipts(invoice.id) == 1


@pytest.mark.parametrize("order", ["as sent", "failure first"])
def test_failed_bank_debit_leaves_the_invoice_open_in_any_order(client, fake_stripe, open_session, order):
    invoice, session_id = open_session
    intent_id = fake_stripe.complete_session(session_id, async_payment=True)
    completed = fake_stripe.event("checkout.session.completed", session_id)
    fake_stripe.settle_async(intent_id, succeeded=False)
    failures = [fake_stripe.event("checkout.session.async_payment_failed", session_id),
                fake_stripe.event("payment_intent.payment_failed", intent_id)]

    for event in ([completed, *failures] if order == "as sent" else [*failures, completed]):
        assert deliver(client, event).status_code == 200

    assert all(p.status == PaymentStatus.failed for p in card_payments(invoice.id))
    still_open = _invoice(invoice.id)
    assert (still_open.status, still_open.paid_cents) == (InvoiceStatus.open, 0)
    assert receipts(invoice.id) == 0


def test_expired_session_marks_the_attempt_expired(client, fake_stripe, open_session):
    invoice, session_id = open_session
    fake_stripe.sessions[session_id]["status"] = "expired"

    deliver(client, fake_stripe.event("checkout.session.expired", session_id))

    attempt = db.session.scalar(select(CheckoutAttempt).where(CheckoutAttempt.invoice_id == invoice.id))
    assert attempt.status == "expired"
    assert card_payments(invoice.id) == []


# Money the invoice did not need is flagged, never silently kept

def test_card_payment_on_a_voided_invoice_is_flagged_for_refund(client, fake_stripe, open_session):
    invoice, session_id = open_session
    void_invoice(invoice.trainer_id, invoice.id, "Trainer", "Billed twice")
    fake_stripe.complete_session(session_id)

    deliver(client, fake_stripe.event("checkout.session.completed", session_id))

    [payment] = card_payments(invoice.id)
    assert payment.status == PaymentStatus.succeeded
    assert "void" in payment.refund_flag
    assert unflagged_paid_cents(invoice.id) == 0
    assert _invoice(invoice.id).status == InvoiceStatus.void
    assert receipts(invoice.id) == 0


def test_cash_paid_meanwhile_makes_the_card_payment_an_overpayment_flagged_for_the_difference(
        client, fake_stripe, open_session):
    invoice, session_id = open_session
    record_manual_payment(invoice.trainer_id, invoice.id, "Trainer", amount_cents=3000, method=PaymentMethod.cash,
                          received_on=invoice.issue_date)
    fake_stripe.complete_session(session_id)

    deliver(client, fake_stripe.event("checkout.session.completed", session_id))

    card = [p for p in card_payments(invoice.id) if p.method == PaymentMethod.stripe][0]
    assert card.refund_flag == "Overpaid by $30.00: refund the difference."
    paid = _invoice(invoice.id)
    assert (paid.status, paid.paid_cents) == (InvoiceStatus.paid, 8000)
    assert credit_cents(paid.client_id) == 3000  # what the invoice did not need is credit on account
    assert unflagged_paid_cents(invoice.id) == 3000  # the cash; the card payment waits to be refunded
    assert receipts(invoice.id) == 1


# Other accounts

def test_events_from_an_account_that_is_not_ours_are_stored_and_change_nothing(client, fake_stripe, open_session):
    invoice, session_id = open_session
    stranger = fake_stripe.add_account()
    fake_stripe.complete_session(session_id)
    # The same ids, claimed by another account: its Stripe holds no such session.
    event = fake_stripe.event("checkout.session.completed", session_id, account=stranger)

    assert deliver(client, event).status_code == 200
    assert deliver(client, event).status_code == 200

    assert card_payments(invoice.id) == []
    assert _invoice(invoice.id).status == InvoiceStatus.open
    assert db.session.get(StripeEvent, event["id"]).account == stranger


def test_stripe_unreachable_is_a_503_so_stripe_delivers_again_and_nothing_is_stored(
        client, fake_stripe, open_session):
    invoice, session_id = open_session
    fake_stripe.complete_session(session_id)
    event = fake_stripe.event("checkout.session.completed", session_id)
    fake_stripe.stop()

    assert deliver(client, event).status_code == 503
    assert stored_events() == 0
    assert card_payments(invoice.id) == []


def test_a_card_payment_under_way_is_still_booked_after_the_trainer_disconnects_stripe(
        client, fake_stripe, open_session):
    invoice, session_id = open_session
    disconnect_account(invoice.trainer_id)
    fake_stripe.complete_session(session_id)

    assert deliver(client, fake_stripe.event("checkout.session.completed", session_id)).status_code == 200

    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.amount_cents) == (PaymentStatus.succeeded, 8000)
    assert _invoice(invoice.id).status == InvoiceStatus.paid
