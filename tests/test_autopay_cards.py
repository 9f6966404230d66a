"""Saving a card for auto-pay (paying and saving it, or the trainer's "Set up auto-pay" link), turning
auto-pay off, what the trainer sees of it, and the webhooks that say a card changed."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AutopayCard, OutboxMessage
from app.services import autopay_cards, autopay_links
from app.services.links import token_for
from tests import factories
from tests.stripe_helpers import (card_payments, connected_trainer, deliver, pay_url, post_webhook, sent_invoice,
                                  signature_header, stored_events)

MASTERCARD = {"brand": "mastercard", "last4": "4444", "exp_month": 1, "exp_year": 2030}


@pytest.fixture
def card_trainer(app, fake_stripe):
    return connected_trainer(fake_stripe)


@pytest.fixture
def invoice(card_trainer):
    return sent_invoice(card_trainer)


def _card(client_id: int) -> AutopayCard | None:
    db.session.expire_all()
    return db.session.scalar(select(AutopayCard).where(AutopayCard.client_id == client_id))


def _pay_and_save(browser, fake_stripe, invoice, card=None) -> dict:
    """The client opens her invoice, taps "Pay and save this card for next time" and pays on Checkout."""
    page = browser.get(f"/i/{token_for(invoice)}").get_data(as_text=True)
    assert "Pay and save this card for next time" in page
    response = browser.post(pay_url(invoice), {"save_card": "1"})
    assert response.status_code == 303
    session = next(s for s in fake_stripe.sessions.values() if s["url"] == response.headers["Location"])
    fake_stripe.complete_session(session["id"], card=card)
    return session


def _setup_link_of(client_id: int) -> str:
    [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.client_id == client_id,
                                                               OutboxMessage.kind == "autopay_setup")).all()
    return message


# Pay and save this card

def test_pay_and_save_keeps_the_customer_and_card_on_her_trainers_account(
        browser, client, fake_stripe, card_trainer, invoice):
    session = _pay_and_save(browser, fake_stripe, invoice)

    account = card_trainer.stripe_account_id
    assert session["customer"] in fake_stripe.customers and fake_stripe.owner[session["customer"]] == account
    assert session["setup_future_usage"] == "off_session"
    assert deliver(client, fake_stripe.event("checkout.session.completed", session["id"])).status_code == 200

    card = _card(invoice.client_id)
    assert (card.stripe_account_id, card.stripe_customer_id) == (account, session["customer"])
    assert (card.brand, card.last4, card.exp_month, card.exp_year, card.enabled) == ("visa", "4242", 12, 2028, True)
    assert fake_stripe.customers[card.stripe_customer_id]["invoice_settings"]["default_payment_method"] \
        == card.stripe_payment_method_id
    assert autopay_cards.describe(autopay_cards.active_card(invoice.client_id)) == "Visa •4242"
    assert [p.amount_cents for p in card_payments(invoice.id)] == [8000]  # and the invoice is paid as before


def test_replayed_checkout_webhook_stores_one_card(browser, client, fake_stripe, invoice):
    session = _pay_and_save(browser, fake_stripe, invoice)
    event = fake_stripe.event("checkout.session.completed", session["id"])

    answers = [deliver(client, event).get_data(as_text=True) for _ in range(5)]

    assert answers == ["processed"] + ["duplicate"] * 4
    assert db.session.scalar(select(func.count(AutopayCard.id))) == 1
    assert stored_events() == 1
    assert len(card_payments(invoice.id)) == 1


def test_back_from_checkout_the_card_is_saved_before_the_webhook(browser, fake_stripe, invoice):
    session = _pay_and_save(browser, fake_stripe, invoice)

    browser.get(f"/i/{token_for(invoice)}/paid?session_id={session['id']}")

    assert autopay_cards.active_card(invoice.client_id).last4 == "4242"
    page = browser.get(f"/i/{token_for(invoice)}").get_data(as_text=True)
    assert "Auto-pay is on" in page and "Visa •4242" in page
    assert "Pay and save this card" not in page


def test_plain_pay_by_card_saves_no_card(browser, client, fake_stripe, invoice):
    browser.get(f"/i/{token_for(invoice)}")
    response = browser.post(pay_url(invoice))
    session = next(s for s in fake_stripe.sessions.values() if s["url"] == response.headers["Location"])
    fake_stripe.complete_session(session["id"])

    deliver(client, fake_stripe.event("checkout.session.completed", session["id"]))

    assert session["customer"] is None and not fake_stripe.customers
    assert _card(invoice.client_id) is None


# Set up auto-pay: the trainer sends the link, the client saves a card in setup mode

def test_set_up_autopay_texts_a_link_that_saves_a_card_without_charging(
        app, browser, fake_stripe, card_trainer, run_worker):
    client_row = factories.make_client(card_trainer, name="Maya Lopez")
    logged_in = browser
    logged_in.login(card_trainer.email)

    response = logged_in.post(f"/clients/{client_row.id}/autopay/link", follow_redirects=True)

    assert "Auto-pay link sent to Maya." in response.get_data(as_text=True)
    run_worker()
    message = _setup_link_of(client_row.id)
    link = autopay_links.setup_url(client_row.id)
    assert message.status.value in ("sent", "delivered") and link in message.body and message.body.startswith(card_trainer.display_name)

    path = link.removeprefix(app.config["PUBLIC_BASE_URL"])
    assert "Save a card for auto-pay" in logged_in.get(path).get_data(as_text=True)
    response = logged_in.post(f"{path}/setup")
    assert response.status_code == 303
    [session] = [s for s in fake_stripe.sessions.values() if s["url"] == response.headers["Location"]]
    assert (session["mode"], session["currency"], session["amount_total"]) == ("setup", "usd", None)
    fake_stripe.complete_session(session["id"])

    page = logged_in.get(f"{path}/saved?session_id={session['id']}").get_data(as_text=True)

    assert "Card saved. Auto-pay is on" in page and "Visa •4242 (expires 12/28)" in page
    card = _card(client_row.id)
    assert (card.last4, card.enabled, card.stripe_customer_id) == ("4242", True, session["customer"])
    assert not fake_stripe.intents  # nothing was charged


def test_a_double_tap_on_set_up_autopay_sends_one_link(browser, card_trainer):
    client_row = factories.make_client(card_trainer)
    logged_in = browser
    logged_in.login(card_trainer.email)

    logged_in.post(f"/clients/{client_row.id}/autopay/link")
    second = logged_in.post(f"/clients/{client_row.id}/autopay/link", follow_redirects=True)

    assert "The auto-pay link was just sent" in second.get_data(as_text=True)
    assert _setup_link_of(client_row.id) is not None


def test_another_trainers_client_is_a_404_and_keeps_her_card(logged_in, trainer, fake_stripe):
    other = connected_trainer(fake_stripe)
    victim = factories.make_client(other)
    factories.make_autopay_card(victim)

    for action in ("link", "off"):
        assert logged_in.post(f"/clients/{victim.id}/autopay/{action}").status_code == 404

    assert _card(victim.id).enabled
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_forged_autopay_link_opens_nothing(browser, card_trainer):
    client_row = factories.make_client(card_trainer)
    factories.make_autopay_card(client_row)
    token = autopay_links.link_token(client_row.id)
    forged = token[:-2] + ("yy" if token.endswith("xx") else "xx")

    assert browser.get(f"/a/{forged}").status_code == 404
    assert browser.post(f"/a/{forged}/off").status_code == 404
    assert _card(client_row.id).enabled


# Auto-pay off

def test_client_turns_autopay_off_from_her_invoice_and_again_changes_nothing(browser, card_trainer, invoice):
    factories.make_autopay_card(invoice.client)
    page = browser.get(f"/i/{token_for(invoice)}").get_data(as_text=True)
    [action] = re.findall(r'action="(/a/[^"]+/off)"', page)

    first = browser.post(action)
    turned_off_at = _card(invoice.client_id).turned_off_at
    again = browser.post(action)

    for response in (first, again):
        assert response.status_code == 200
        assert "Auto-pay is off. You'll get a link for each invoice." in response.get_data(as_text=True)
    card = _card(invoice.client_id)
    assert not card.enabled and card.turned_off_at == turned_off_at
    assert autopay_cards.active_card(invoice.client_id) is None
    assert "Turn auto-pay off" not in browser.get(f"/i/{token_for(invoice)}").get_data(as_text=True)


def test_autopay_off_without_the_pages_csrf_token_is_refused(client, card_trainer):
    client_row = factories.make_client(card_trainer)
    factories.make_autopay_card(client_row)

    response = client.post(f"/a/{autopay_links.link_token(client_row.id)}/off")

    assert response.status_code == 400
    assert _card(client_row.id).enabled


def test_trainer_sees_autopay_and_turns_it_off(logged_in, trainer, fake_stripe, count_queries):
    client_row = factories.make_client(trainer, name="Maya Lopez")
    factories.make_autopay_card(client_row, exp_month=12, exp_year=2028)
    calls = len(fake_stripe.requests)

    listing = logged_in.get("/clients/").get_data(as_text=True)
    with count_queries() as q:
        page = logged_in.get(f"/clients/{client_row.id}").get_data(as_text=True)

    assert re.search(r"Maya Lopez.*?badge ok autopay-badge\">Auto-pay<", listing, re.S)
    assert "Auto-pay: Visa •4242 · expires 12/28" in page
    assert len(fake_stripe.requests) == calls  # read from the database, never from Stripe
    assert sum("FROM autopay_cards" in statement for statement in q.statements) == 1  # her card, read once
    response = logged_in.post(f"/clients/{client_row.id}/autopay/off", follow_redirects=True)
    assert "Auto-pay is off for Maya" in response.get_data(as_text=True)
    assert "Auto-pay: off" in response.get_data(as_text=True)
    assert autopay_cards.active_card(client_row.id) is None


def test_a_card_expiring_within_30_days_is_flagged_for_the_trainer(logged_in, trainer):
    soon = date.today() + timedelta(days=10)
    client_row = factories.make_client(trainer)
    factories.make_autopay_card(client_row, exp_month=soon.month, exp_year=soon.year)
    label = f"{soon.month:02d}/{soon.year % 100:02d}"

    assert f"Card expires {label}" in logged_in.get("/clients/").get_data(as_text=True)
    assert f'id="card-expiring">Card expires {label}' in logged_in.get(f"/clients/{client_row.id}").get_data(as_text=True)


def test_a_card_past_its_expiry_says_expired(logged_in, trainer):
    gone = date.today().replace(day=1) - timedelta(days=1)  # last month
    client_row = factories.make_client(trainer)
    factories.make_autopay_card(client_row, exp_month=gone.month, exp_year=gone.year)
    label = f"{gone.month:02d}/{gone.year % 100:02d}"

    assert f"Card expired {label}" in logged_in.get("/clients/").get_data(as_text=True)
    assert f'id="card-expiring">Card expired {label}' in logged_in.get(f"/clients/{client_row.id}").get_data(as_text=True)


# Expiring cards: the client is asked once per card expiry

def test_the_daily_check_asks_once_per_card_expiry_for_a_new_card(app, card_trainer, run_worker):
    today = date(2026, 12, 10)
    expiring = factories.make_client(card_trainer, name="Ana Reyes")
    factories.make_autopay_card(expiring, exp_month=12, exp_year=2026, stripe_account_id=card_trainer.stripe_account_id)
    later = factories.make_client(card_trainer)
    factories.make_autopay_card(later, exp_month=3, exp_year=2027)
    off = factories.make_client(card_trainer)
    factories.make_autopay_card(off, exp_month=12, exp_year=2026, enabled=False)

    assert autopay_links.ask_for_new_cards(today) == 1
    assert autopay_links.ask_for_new_cards(today + timedelta(days=1)) == 0
    run_worker()

    [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card_update")).all()
    assert message.client_id == expiring.id and message.status.value in ("sent", "delivered")
    assert "your Visa ending 4242 for auto-pay expires 12/26" in message.body
    assert autopay_links.setup_url(expiring.id) in message.body
    assert _card(expiring.id).expiry_notice_for == "2026-12"


def test_a_new_card_with_a_later_expiry_is_asked_about_again_when_it_nears(card_trainer):
    client_row = factories.make_client(card_trainer)
    card = factories.make_autopay_card(client_row, exp_month=12, exp_year=2026)
    assert autopay_links.ask_for_new_cards(date(2026, 12, 1)) == 1
    card.exp_year = 2027
    db.session.commit()

    assert autopay_links.ask_for_new_cards(date(2026, 12, 2)) == 0
    assert autopay_links.ask_for_new_cards(date(2027, 12, 2)) == 1


def test_the_daily_check_over_new_year_asks_about_december_then_january_cards(card_trainer):
    december = factories.make_client(card_trainer)
    factories.make_autopay_card(december, exp_month=12, exp_year=2026)
    january = factories.make_client(card_trainer)
    factories.make_autopay_card(january, exp_month=1, exp_year=2027)
    next_december = factories.make_client(card_trainer)
    factories.make_autopay_card(next_december, exp_month=12, exp_year=2027)

    assert autopay_links.ask_for_new_cards(date(2026, 12, 31)) == 1
    assert _card(december.id).expiry_notice_for == "2026-12"
    assert autopay_links.ask_for_new_cards(date(2027, 1, 1)) == 1
    assert _card(january.id).expiry_notice_for == "2027-01"
    assert _card(next_december.id).expiry_notice_for is None


# Webhooks: a card removed, a new default card

@pytest.fixture
def saved(browser, client, fake_stripe, invoice):
    """The client paid and saved her Visa: (her AutopayCard, the fake's account id)."""
    session = _pay_and_save(browser, fake_stripe, invoice)
    deliver(client, fake_stripe.event("checkout.session.completed", session["id"]))
    return _card(invoice.client_id), fake_stripe.owner[session["id"]]


def test_a_card_removed_at_stripe_stops_autopay(browser, client, fake_stripe, saved, card_trainer):
    card, _ = saved
    event = fake_stripe.detach_card(card.stripe_payment_method_id)

    for _ in range(3):
        assert deliver(client, event).status_code == 200

    assert autopay_cards.active_card(card.client_id) is None
    assert _card(card.client_id).stripe_payment_method_id is None
    browser.login(card_trainer.email)
    assert "Auto-pay: Card removed" in browser.get(f"/clients/{card.client_id}").get_data(as_text=True)
    assert "Card removed" in browser.get("/clients/").get_data(as_text=True)


def test_a_new_default_card_is_re_read_from_stripe(client, fake_stripe, saved):
    card, _ = saved
    new_pm = fake_stripe.set_default_card(card.stripe_customer_id, MASTERCARD)
    event = fake_stripe.event("customer.updated", card.stripe_customer_id)
    event["data"]["object"]["invoice_settings"]["default_payment_method"] = "pm_forged_in_the_payload"

    deliver(client, event)

    card = _card(card.client_id)
    assert (card.stripe_payment_method_id, card.brand, card.last4, card.exp_month, card.exp_year) == (
        new_pm, "mastercard", "4444", 1, 2030)
    assert autopay_cards.describe(card) == "Mastercard •4444"


def test_card_events_for_an_unknown_account_or_customer_change_nothing(client, fake_stripe, saved):
    card, account = saved
    stranger = fake_stripe.add_account()
    customer = fake_stripe.add_customer(stranger)
    fake_stripe.set_default_card(customer, MASTERCARD)
    foreign_pm = fake_stripe.add_card(stranger, None)
    before = (card.stripe_payment_method_id, card.last4)

    deliver(client, fake_stripe.event("customer.updated", customer))
    deliver(client, fake_stripe.event("payment_method.detached", foreign_pm))
    # An event naming her card's id, but on another account: not hers.
    deliver(client, fake_stripe.event("payment_method.detached", card.stripe_payment_method_id, account=stranger))
    other_customer = fake_stripe.add_customer(account)
    fake_stripe.set_default_card(other_customer, MASTERCARD)
    deliver(client, fake_stripe.event("customer.updated", other_customer))

    card = _card(card.client_id)
    assert (card.stripe_payment_method_id, card.last4) == before


def test_a_forged_card_webhook_is_refused_and_changes_nothing(client, fake_stripe, saved):
    card, _ = saved
    event = fake_stripe.detach_card(card.stripe_payment_method_id)
    import json
    payload = json.dumps(event)

    response = post_webhook(client, payload, {"Stripe-Signature": signature_header(payload, secret="whsec_forged")})

    assert response.status_code == 400
    assert _card(card.client_id).stripe_payment_method_id == card.stripe_payment_method_id


# The messages' other ways: by email, and never in the night

def test_an_email_client_gets_the_expiring_card_request_by_email(card_trainer, run_worker):
    from app.services.emailing import build_email
    client_row = factories.make_client(card_trainer, name="Emma Email", email="emma@example.com", channels="email")
    factories.make_autopay_card(client_row, exp_month=12, exp_year=2026)

    autopay_links.ask_for_new_cards(date(2026, 12, 10))

    [row] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card_update")).all()
    email = build_email(row)
    assert email["Subject"] == f"Your card for auto-pay with {card_trainer.display_name} expires 12/26"
    text = email.get_body(("plain",)).get_content()
    assert "Your Visa •4242 that pays your invoices" in text and autopay_links.setup_url(client_row.id) in text
    assert "4242424242424242" not in email.as_string()


def test_autopay_messages_keep_quiet_hours(app, card_trainer):
    from app.config import Config
    from tests.test_quiet_hours_invoices import _zone_where_it_is
    app.config["QUIET_HOURS_KINDS"] = Config.QUIET_HOURS_KINDS  # what production and `make run` use
    night = _zone_where_it_is(23)
    asked = factories.make_client(card_trainer, timezone=night)
    factories.make_autopay_card(asked, exp_month=date.today().month, exp_year=date.today().year)
    linked = factories.make_client(card_trainer, timezone=night)

    autopay_links.ask_for_new_cards(date.today())
    autopay_links.send_setup_link(card_trainer.id, linked.id)

    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.client_id.in_([asked.id, linked.id]))).all()
    assert sorted(r.kind for r in rows) == ["autopay_setup", "card_update"]
    assert all(r.send_after is not None and r.status.value == "queued" for r in rows)


# Stripe out of reach, and return links that name someone else's session

def test_setup_with_stripe_down_says_try_again_and_saves_nothing(browser, fake_stripe, card_trainer):
    client_row = factories.make_client(card_trainer)
    path = f"/a/{autopay_links.link_token(client_row.id)}"
    browser.get(path)
    fake_stripe.down = True

    response = browser.post(f"{path}/setup")

    assert response.status_code == 503
    assert "We could not reach the card processor. Nothing was saved." in response.get_data(as_text=True)
    assert _card(client_row.id) is None


def test_pay_and_save_with_stripe_down_charges_nothing_and_can_be_pressed_again(browser, fake_stripe, invoice):
    browser.get(f"/i/{token_for(invoice)}")
    fake_stripe.down = True

    response = browser.post(pay_url(invoice), {"save_card": "1"})

    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "could not reach the card processor" in page and 'name="save_card" value="1"' in page
    assert not fake_stripe.sessions
    fake_stripe.down = False
    assert browser.post(pay_url(invoice), {"save_card": "1"}).status_code == 303


def test_a_return_link_naming_another_clients_session_saves_nothing_for_her(browser, fake_stripe, card_trainer):
    ana, bo = factories.make_client(card_trainer), factories.make_client(card_trainer)
    ana_path, bo_path = (f"/a/{autopay_links.link_token(c.id)}" for c in (ana, bo))
    browser.get(ana_path)
    ana_session = browser.post(f"{ana_path}/setup").headers["Location"]
    [session] = [s for s in fake_stripe.sessions.values() if s["url"] == ana_session]
    browser.get(bo_path)
    browser.post(f"{bo_path}/setup")
    fake_stripe.complete_session(session["id"])

    page = browser.get(f"{bo_path}/saved?session_id={session['id']}").get_data(as_text=True)

    assert "Your card has not reached us yet" in page
    assert _card(bo.id).last4 == "" and autopay_cards.active_card(bo.id) is None
    assert _card(ana.id).last4 == ""  # hers comes from her own return, or the webhook


# Deliveries at once, and out of order

def test_the_saving_completion_delivered_ten_times_at_once_stores_one_card_and_one_payment(
        app, browser, fake_stripe, invoice):
    from tests.test_stripe_webhook import _deliver_at_once
    session = _pay_and_save(browser, fake_stripe, invoice)
    event = fake_stripe.event("checkout.session.completed", session["id"])

    assert _deliver_at_once(app, fake_stripe, [event] * 10) == [200] * 10

    assert db.session.scalar(select(func.count(AutopayCard.id))) == 1
    assert autopay_cards.describe(autopay_cards.active_card(invoice.client_id)) == "Visa •4242"
    assert len(card_payments(invoice.id)) == 1
    assert stored_events() == 1


def test_customer_updated_before_the_completion_still_ends_with_auto_pay_on(browser, client, fake_stripe, invoice):
    session = _pay_and_save(browser, fake_stripe, invoice)
    customer_id = session["customer"]
    # Stripe's news of the default card (set when the completion is applied) can arrive first.
    [pm_id] = [pm for pm, row in fake_stripe.payment_methods.items() if row["customer"] == customer_id]
    fake_stripe.customers[customer_id]["invoice_settings"]["default_payment_method"] = pm_id

    deliver(client, fake_stripe.event("customer.updated", customer_id))
    assert autopay_cards.active_card(invoice.client_id) is None  # not on until the completion says she saved it
    deliver(client, fake_stripe.event("checkout.session.completed", session["id"]))

    card = _card(invoice.client_id)
    assert (card.stripe_payment_method_id, card.last4, card.enabled) == (pm_id, "4242", True)


def test_the_clock_checks_saved_cards_daily_and_the_job_asks_for_new_ones(app, card_trainer):
    from rq.cron import CronScheduler

    from app.cli import _register_card_expiry_check
    from app.extensions import get_redis
    from app.jobs.autopay import check_expiring_cards
    scheduler = CronScheduler(connection=get_redis())
    _register_card_expiry_check(scheduler)
    [job] = scheduler.get_jobs()
    assert (job.func, job.interval) == (check_expiring_cards, 86400)

    today = date.today()
    factories.make_autopay_card(factories.make_client(card_trainer), exp_month=today.month, exp_year=today.year)

    assert check_expiring_cards() == "asked 1 clients for a new card"
    assert check_expiring_cards() == "asked 0 clients for a new card"
