"""A card checkout the invoice no longer wants (voided, paid another way, a different amount due) is
expired at Stripe by a job after the change commits, so the client can no longer pay it."""
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import get_queue
from app.models import CheckoutAttempt, Invoice, InvoiceStatus, PaymentMethod, PaymentStatus
from app.services.invoices import void_invoice
from app.services.payments import record_manual_payment
from tests.fake_stripe import CheckoutClosed
from tests.stripe_helpers import card_payments, connected_trainer, press_pay_by_card, sent_invoice


@pytest.fixture
def card_trainer(app, fake_stripe):
    return connected_trainer(fake_stripe)


@pytest.fixture
def open_checkout(browser, fake_stripe, card_trainer):
    """The client pressed "Pay by card" on her $80.00 invoice and has Checkout open: (invoice, session id)."""
    invoice = sent_invoice(card_trainer)
    assert press_pay_by_card(browser, invoice).status_code == 303
    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    return invoice, session["id"]


def attempt_statuses(invoice_id: int) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(CheckoutAttempt.status).where(CheckoutAttempt.invoice_id == invoice_id)
                                   .order_by(CheckoutAttempt.attempt_no)))


def pay_cash(invoice: Invoice, cents: int) -> None:
    record_manual_payment(invoice.trainer_id, invoice.id, "Trainer", amount_cents=cents, method=PaymentMethod.cash,
                          received_on=date.today())


def test_voiding_expires_the_open_checkout_and_the_client_can_no_longer_pay_it(
        fake_stripe, open_checkout, run_worker):
    invoice, session_id = open_checkout

    void_invoice(invoice.trainer_id, invoice.id, "Trainer", "Billed the wrong client")
    run_worker()

    assert fake_stripe.sessions[session_id]["status"] == "expired"
    with pytest.raises(CheckoutClosed):
        fake_stripe.complete_session(session_id)
    assert attempt_statuses(invoice.id) == ["expired"]
    assert card_payments(invoice.id) == []


def test_cash_that_pays_the_invoice_expires_its_open_checkout(fake_stripe, open_checkout, run_worker):
    invoice, session_id = open_checkout

    pay_cash(invoice, 8000)
    run_worker()

    assert fake_stripe.sessions[session_id]["status"] == "expired"
    assert attempt_statuses(invoice.id) == ["expired"]
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.paid


def test_a_part_paid_in_cash_expires_the_checkout_for_the_old_amount_and_the_next_press_asks_for_the_rest(
        browser, fake_stripe, card_trainer, open_checkout, run_worker):
    invoice, session_id = open_checkout

    pay_cash(invoice, 3000)
    run_worker()
    assert fake_stripe.sessions[session_id]["status"] == "expired"  # before she presses again
    press_pay_by_card(browser, invoice)

    sessions = sorted(fake_stripe.sessions_on(card_trainer.stripe_account_id), key=lambda s: s["metadata"]["attempt"])
    assert [(s["amount_total"], s["status"]) for s in sessions] == [(8000, "expired"), (5000, "open")]


def test_a_checkout_paid_just_before_the_void_is_booked_and_flagged_for_a_refund(
        fake_stripe, open_checkout, run_worker):
    invoice, session_id = open_checkout
    fake_stripe.complete_session(session_id)  # paid; Stripe's webhook has not arrived yet

    void_invoice(invoice.trainer_id, invoice.id, "Trainer", "Billed twice")
    run_worker()

    [payment] = card_payments(invoice.id)
    assert payment.status == PaymentStatus.succeeded and "void" in payment.refund_flag
    assert attempt_statuses(invoice.id) == ["complete"]


def test_stripe_out_of_reach_is_tried_again_until_the_checkout_is_expired(fake_stripe, open_checkout, run_worker):
    invoice, session_id = open_checkout
    fake_stripe.down = True

    void_invoice(invoice.trainer_id, invoice.id, "Trainer", "Billed twice")
    run_worker()

    assert fake_stripe.sessions[session_id]["status"] == "open"
    retries = get_queue().scheduled_job_registry
    [job_id] = retries.get_job_ids()

    fake_stripe.down = False
    retries.requeue(job_id)  # the retry's time has come
    run_worker()

    assert fake_stripe.sessions[session_id]["status"] == "expired"
    assert attempt_statuses(invoice.id) == ["expired"]


def test_an_invoice_voided_while_stripe_makes_its_checkout_sends_the_client_nowhere(
        app, browser, fake_stripe, card_trainer):
    invoice = sent_invoice(card_trainer)

    def void_meanwhile(_session):
        with app.app_context():
            void_invoice(invoice.trainer_id, invoice.id, "Trainer", "Billed twice")
            db.session.remove()
    fake_stripe.on_session_create = void_meanwhile

    response = press_pay_by_card(browser, invoice)

    assert response.status_code == 409 and "cancelled" in response.get_data(as_text=True)
    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    assert session["status"] == "expired"


def test_nothing_is_asked_of_stripe_when_no_checkout_is_open(card_trainer, queued_job_ids):
    invoice = sent_invoice(card_trainer)
    before = queued_job_ids()

    void_invoice(invoice.trainer_id, invoice.id, "Trainer", "Billed twice")

    assert queued_job_ids() == before
