"""Pay by card: Stripe Checkout on the trainer's own account, and connecting that account in settings."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (CheckoutAttempt, Invoice, InvoiceStatus, Payment, PaymentAllocation, PaymentMethod, PaymentStatus,
                        Trainer)
from app.services.card_payments import card_payments_available
from app.services.links import revoke_link, token_for
from app.services.payments import record_manual_payment
from tests.fake_stripe import CheckoutClosed
from tests.stripe_helpers import (card_payments, connected_trainer, deliver, pay_url, press_pay_by_card,
                                  receipts, sent_invoice, unflagged_paid_cents)


def _attempts(invoice_id: int) -> list[CheckoutAttempt]:
    db.session.expire_all()
    return list(db.session.scalars(select(CheckoutAttempt).where(CheckoutAttempt.invoice_id == invoice_id)
                                   .order_by(CheckoutAttempt.attempt_no)))


@pytest.fixture
def card_trainer(app, fake_stripe):
    return connected_trainer(fake_stripe)


@pytest.fixture
def invoice(card_trainer):
    return sent_invoice(card_trainer)


# Pay by card

def test_pay_by_card_sends_the_client_to_checkout_on_her_trainers_account_for_the_amount_due(
        browser, fake_stripe, card_trainer, invoice):
    page = browser.get(f"/i/{token_for(invoice)}").get_data(as_text=True)
    assert f'action="{pay_url(invoice)}"' in page

    response = browser.post(pay_url(invoice))

    assert response.status_code == 303
    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    assert response.headers["Location"] == session["url"]
    assert (session["amount_total"], session["currency"], session["mode"]) == (8000, "usd", "payment")
    expected = {"invoice_id": str(invoice.id), "attempt": "1"}
    assert session["metadata"] == expected and session["pi_metadata"] == expected
    return_url = f"http://spotter.test/i/{token_for(invoice)}/paid"
    assert session["success_url"] == return_url + "?session_id={CHECKOUT_SESSION_ID}"
    assert session["fee"] is None
    [create] = fake_stripe.session_creates()
    assert (create["account"], create["idempotency_key"]) == (card_trainer.stripe_account_id,
                                                              f"inv-{invoice.id}-attempt-1")
    [attempt] = _attempts(invoice.id)
    assert (attempt.status, attempt.stripe_session_id, attempt.amount_cents) == ("open", session["id"], 8000)


def test_platform_fee_is_taken_in_whole_cents_rounded_down(app, browser, fake_stripe, card_trainer, invoice):
    app.config["STRIPE_PLATFORM_FEE_BPS"] = 333  # 3.33% of $80.00 is $2.664

    press_pay_by_card(browser, invoice)

    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    assert session["fee"] == 266


def test_second_press_expires_the_first_session_which_can_no_longer_be_paid(
        browser, client, fake_stripe, card_trainer, invoice):
    press_pay_by_card(browser, invoice)
    press_pay_by_card(browser, invoice)

    first, second = sorted(fake_stripe.sessions_on(card_trainer.stripe_account_id),
                           key=lambda s: s["metadata"]["attempt"])
    assert (first["status"], second["status"]) == ("expired", "open")
    assert [a.status for a in _attempts(invoice.id)] == ["expired", "open"]

    with pytest.raises(CheckoutClosed):  # the first page, still open in another tab
        fake_stripe.complete_session(first["id"])
    fake_stripe.complete_session(second["id"])
    deliver(client, fake_stripe.event("checkout.session.completed", second["id"]))

    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.refund_flag) == (PaymentStatus.succeeded, "")
    assert unflagged_paid_cents(invoice.id) == 8000
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.paid
    assert receipts(invoice.id) == 1


def test_a_card_payment_made_before_its_checkout_was_expired_on_an_invoice_paid_in_cash_is_flagged_not_kept(
        browser, client, fake_stripe, card_trainer, invoice):
    press_pay_by_card(browser, invoice)
    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    record_manual_payment(card_trainer.id, invoice.id, "Trainer", amount_cents=8000, method=PaymentMethod.cash,
                          received_on=invoice.issue_date)

    fake_stripe.complete_session(session["id"])  # before the worker came to expire it
    deliver(client, fake_stripe.event("checkout.session.completed", session["id"]))

    cash, card = card_payments(invoice.id)
    assert (cash.refund_flag, card.refund_flag) == ("", "The invoice was already paid: refund this payment.")
    assert unflagged_paid_cents(invoice.id) == 8000
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.paid
    assert receipts(invoice.id) == 1


def test_pressing_again_after_paying_books_the_payment_and_opens_no_new_session(
        browser, fake_stripe, card_trainer, invoice):
    press_pay_by_card(browser, invoice)
    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    fake_stripe.complete_session(session["id"])  # paid; the webhook has not come yet

    again = press_pay_by_card(browser, invoice)

    assert again.status_code == 409 and "already paid" in again.get_data(as_text=True)
    assert f"Invoice INV-{invoice.number:04d}" in again.get_data(as_text=True)
    assert len(fake_stripe.sessions_on(card_trainer.stripe_account_id)) == 1
    [payment] = card_payments(invoice.id)
    assert (payment.status, payment.refund_flag) == (PaymentStatus.succeeded, "")
    assert receipts(invoice.id) == 1


def test_dropped_connection_then_retry_resends_the_same_key_and_stripe_holds_one_session(
        browser, fake_stripe, card_trainer, invoice):
    fake_stripe.drop_session_creates = 1  # Stripe makes the session, the answer never arrives

    first = press_pay_by_card(browser, invoice)

    assert first.status_code == 503
    assert "could not reach the card processor" in first.get_data(as_text=True)
    [attempt] = _attempts(invoice.id)
    assert (attempt.status, attempt.stripe_session_id) == ("creating", None)

    retry = browser.post(pay_url(invoice))  # the "Try again" button on that page

    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    assert retry.status_code == 303 and retry.headers["Location"] == session["url"]
    assert [c["idempotency_key"] for c in fake_stripe.session_creates()] == [f"inv-{invoice.id}-attempt-1"] * 2
    [attempt] = _attempts(invoice.id)
    assert (attempt.status, attempt.stripe_session_id) == ("open", session["id"])


def test_dropped_connection_then_a_changed_amount_makes_a_new_session_and_expires_the_lost_one(
        browser, fake_stripe, card_trainer, invoice):
    fake_stripe.drop_session_creates = 1
    press_pay_by_card(browser, invoice)
    record_manual_payment(card_trainer.id, invoice.id, "Trainer", amount_cents=3000, method=PaymentMethod.cash,
                          received_on=invoice.issue_date)

    retry = browser.post(pay_url(invoice))

    assert retry.status_code == 303
    sessions = sorted(fake_stripe.sessions_on(card_trainer.stripe_account_id), key=lambda s: s["metadata"]["attempt"])
    assert [(s["amount_total"], s["status"]) for s in sessions] == [(8000, "expired"), (5000, "open")]
    assert retry.headers["Location"] == sessions[1]["url"]


def test_stripe_down_is_a_clear_message_and_charges_nothing(browser, fake_stripe, invoice):
    fake_stripe.stop()

    response = press_pay_by_card(browser, invoice)

    assert response.status_code == 503
    assert "Nothing was charged" in response.get_data(as_text=True)
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.open


@pytest.mark.parametrize("state, message", [("paid", "already paid"), ("nothing due", "Nothing is due"),
                                            ("charges disabled", "not available")])
def test_pay_by_card_is_refused_with_a_reason_when_there_is_nothing_to_pay(
        browser, fake_stripe, card_trainer, invoice, state, message):
    if state == "paid":
        record_manual_payment(card_trainer.id, invoice.id, "Trainer", amount_cents=invoice.total_cents,
                              method=PaymentMethod.cash, received_on=invoice.issue_date)
    elif state == "nothing due":  # paid in full, though the invoice was never moved to paid
        payment = Payment(trainer_id=card_trainer.id, client_id=invoice.client_id, invoice_id=invoice.id,
                          method=PaymentMethod.cash, amount_cents=invoice.total_cents, received_on=invoice.issue_date)
        db.session.add(payment)
        db.session.flush()
        db.session.add(PaymentAllocation(trainer_id=card_trainer.id, client_id=invoice.client_id, payment_id=payment.id,
                                         invoice_id=invoice.id, amount_cents=invoice.total_cents))
    else:
        db.session.get(Trainer, card_trainer.id).stripe_charges_enabled = False
    db.session.commit()

    response = press_pay_by_card(browser, invoice)

    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert _attempts(invoice.id) == [] and fake_stripe.session_creates() == []


def test_unknown_and_revoked_links_are_the_same_404_as_the_invoice_page(browser, card_trainer, invoice):
    token = token_for(invoice)
    public_404 = browser.get("/i/" + "x" * len(token)).get_data(as_text=True)
    revoke_link(card_trainer.id, invoice.id, "Trainer")

    for url in (f"/i/{token}/pay", "/i/nope/pay"):
        response = browser.post(url)
        assert response.status_code == 404 and response.get_data(as_text=True) == public_404
    for url in (f"/i/{token}/paid", f"/i/{token}/paid?session_id=cs_test_x", "/i/nope/paid"):
        response = browser.get(url)
        assert response.status_code == 404 and response.get_data(as_text=True) == public_404
    assert _attempts(invoice.id) == []


def test_pay_by_card_is_rate_limited_per_address(browser, fake_stripe, invoice):
    browser.get(f"/i/{token_for(invoice)}")
    statuses = [browser.post(pay_url(invoice)).status_code for _ in range(31)]
    assert statuses[:30] == [303] * 30 and statuses[30] == 429


# Back from Checkout

def test_return_page_asks_stripe_and_shows_paid_before_the_webhook_arrives(
        browser, client, fake_stripe, card_trainer, invoice):
    press_pay_by_card(browser, invoice)
    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    fake_stripe.complete_session(session["id"])

    page = browser.get(f"/i/{token_for(invoice)}/paid?session_id={session['id']}")

    assert 'data-outcome="paid"' in page.get_data(as_text=True)
    [payment] = card_payments(invoice.id)
    assert payment.status == PaymentStatus.succeeded
    deliver(client, fake_stripe.event("checkout.session.completed", session["id"]))
    assert len(card_payments(invoice.id)) == 1 and receipts(invoice.id) == 1


def test_return_page_believes_the_books_not_the_url(browser, fake_stripe, card_trainer, invoice):
    press_pay_by_card(browser, invoice)
    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    other_invoice = sent_invoice(card_trainer)
    press_pay_by_card(browser, other_invoice)
    [other] = [s for s in fake_stripe.sessions_on(card_trainer.stripe_account_id) if s["id"] != session["id"]]
    fake_stripe.complete_session(other["id"])  # paid, but for another invoice

    for claim in ("cs_test_made_up", other["id"], session["id"], ""):
        page = browser.get(f"/i/{token_for(invoice)}/paid?session_id={claim}").get_data(as_text=True)
        assert 'data-outcome="not_yet"' in page, claim
    assert card_payments(invoice.id) == []
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.open


def test_return_page_says_processing_for_a_bank_debit(browser, fake_stripe, card_trainer, invoice):
    press_pay_by_card(browser, invoice)
    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    fake_stripe.complete_session(session["id"], async_payment=True)

    page = browser.get(f"/i/{token_for(invoice)}/paid?session_id={session['id']}").get_data(as_text=True)

    assert 'data-outcome="processing"' in page
    again = press_pay_by_card(browser, invoice)
    assert again.status_code == 409 and "still processing" in again.get_data(as_text=True)


# Without Stripe keys

def test_without_stripe_keys_no_card_button_and_pay_is_refused_creating_nothing(app, browser, trainer):
    trainer.stripe_account_id, trainer.stripe_charges_enabled = "acct_test_configured_elsewhere", True
    db.session.commit()
    invoice = sent_invoice(trainer)
    assert not card_payments_available(trainer)

    page = browser.get(f"/i/{token_for(invoice)}").get_data(as_text=True)
    response = browser.post(pay_url(invoice))

    assert pay_url(invoice) not in page
    assert response.status_code == 409
    assert "Card payments are not available" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CheckoutAttempt.id))) == 0


# Connecting her Stripe account in settings

def _status(browser) -> str:
    page = browser.get("/settings/").get_data(as_text=True)
    return page.split('id="stripe-status" data-status="', 1)[1].split('"', 1)[0]


def test_connect_onboarding_from_not_connected_to_charges_enabled_and_back(
        app, client, logged_in, trainer, fake_stripe):
    assert _status(logged_in) == "not_connected"

    response = logged_in.post("/settings/stripe/connect")

    db.session.expire_all()
    account_id = db.session.get(Trainer, trainer.id).stripe_account_id
    assert response.status_code == 303
    assert response.headers["Location"] == f"{fake_stripe.url}/connect/onboarding/{account_id}"
    assert fake_stripe.accounts[account_id]["email"] == trainer.email
    assert _status(logged_in) == "onboarding"

    fake_stripe.update_account(account_id, charges_enabled=True, details_submitted=True)
    assert deliver(client, fake_stripe.event("account.updated", account_id)).status_code == 200
    assert _status(logged_in) == "enabled"
    assert card_payments_available(db.session.get(Trainer, trainer.id))

    logged_in.post("/settings/stripe/disconnect")
    assert _status(logged_in) == "not_connected"
    assert not card_payments_available(db.session.get(Trainer, trainer.id))


def test_returning_from_onboarding_asks_stripe_for_the_accounts_status(logged_in, trainer, fake_stripe):
    logged_in.post("/settings/stripe/connect")
    account_id = db.session.get(Trainer, trainer.id).stripe_account_id
    fake_stripe.update_account(account_id, charges_enabled=True, details_submitted=True)

    response = logged_in.get("/settings/stripe/return", follow_redirects=True)

    assert "Clients can pay your invoices by card" in response.get_data(as_text=True)
    assert _status(logged_in) == "enabled"


def test_expired_onboarding_link_gives_a_new_link_for_the_same_account(logged_in, trainer, fake_stripe):
    logged_in.post("/settings/stripe/connect")
    account_id = db.session.get(Trainer, trainer.id).stripe_account_id

    response = logged_in.get("/settings/stripe/refresh")
    again = logged_in.post("/settings/stripe/connect")

    assert response.headers["Location"] == again.headers["Location"] == \
        f"{fake_stripe.url}/connect/onboarding/{account_id}"
    assert len(fake_stripe.accounts) == 1


def test_another_trainers_account_events_do_not_touch_her(client, logged_in, trainer, fake_stripe):
    logged_in.post("/settings/stripe/connect")
    other = connected_trainer(fake_stripe, charges_enabled=False)
    fake_stripe.update_account(other.stripe_account_id, charges_enabled=True, details_submitted=True)

    deliver(client, fake_stripe.event("account.updated", other.stripe_account_id))

    db.session.expire_all()
    assert _status(logged_in) == "onboarding"
    assert db.session.get(Trainer, other.id).stripe_charges_enabled


def test_without_stripe_keys_settings_says_card_payments_are_not_set_up(logged_in):
    assert _status(logged_in) == "unavailable"
    response = logged_in.post("/settings/stripe/connect", follow_redirects=True)
    assert "not set up on this Spotter server" in response.get_data(as_text=True)


def test_connect_buttons_need_a_csrf_token(logged_in, trainer, fake_stripe):
    for url in ("/settings/stripe/connect", "/settings/stripe/disconnect"):
        assert logged_in.client.post(url).status_code == 400
    assert db.session.get(Trainer, trainer.id).stripe_account_id is None
    assert fake_stripe.accounts == {}


def test_card_payment_reaches_an_invoice_only_through_its_own_trainers_account(
        browser, client, fake_stripe, card_trainer, invoice):
    press_pay_by_card(browser, invoice)
    [session] = fake_stripe.sessions_on(card_trainer.stripe_account_id)
    # Another trainer, on her own account, makes a payment whose metadata names this invoice.
    mallory = connected_trainer(fake_stripe)
    fake_stripe.owner[session["id"]] = mallory.stripe_account_id
    fake_stripe.complete_session(session["id"])

    deliver(client, fake_stripe.event("checkout.session.completed", session["id"]))

    assert card_payments(invoice.id) == []
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.open
