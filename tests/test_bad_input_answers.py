"""What a probe sent that once made a 500: each is now a 404, a 400 or a message beside the field, and
changes nothing. (tests/test_tenants.py walks every URL with huge ids, junk words and junk forms.)"""
import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Payment, StripeEvent, TrainingSession
from tests import factories
from tests.invoice_helpers import send_with_link
from tests.stripe_helpers import card_payments, deliver, open_checkout, post_webhook, signature_header


def field_error(response, field: str) -> str | None:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.get_data(as_text=True))
    return match.group(1) if match else None


def session_count() -> int:
    return db.session.scalar(select(func.count()).select_from(TrainingSession))


def log_session(browser, client_id: int, starts_at: str):
    browser.get("/sessions/new")
    return browser.post("/sessions/new", {"client_id": str(client_id), "starts_at": starts_at,
                                          "duration_minutes": "60", "outcome": "completed"})


@pytest.fixture
def paid_invoice(app, logged_in, trainer):
    """A sent invoice with an $80.00 cash payment on it: (invoice, payment)."""
    invoice, _path = send_with_link(logged_in, trainer)
    logged_in.post(f"/invoices/{invoice.id}/payments", {"amount": "80", "method": "cash",
                                                        "received_on": date.today().isoformat()})
    return invoice, db.session.scalar(select(Payment))


def test_an_empty_htmx_refund_asks_for_an_amount_and_refunds_nothing(logged_in, paid_invoice):
    invoice, payment = paid_invoice

    response = logged_in.post(f"/invoices/{invoice.id}/payments/{payment.id}/refund", htmx=True,
                              follow_redirects=True)

    assert response.status_code == 200
    assert "Enter an amount." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).refunded_cents == 0


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00", "1899-12-31T23:59", "2101-01-01T00:00",
                                       "9999-12-31T23:59"])
def test_a_session_dated_outside_1900_to_2100_is_refused_beside_the_date(logged_in, trainer, starts_at):
    response = log_session(logged_in, factories.make_client(trainer).id, starts_at)

    assert response.status_code == 200
    assert field_error(response, "starts_at") == "Enter a date between 1900 and 2100."
    assert session_count() == 0


@pytest.mark.parametrize("starts_at", ["1900-01-01T00:00", "2100-12-31T23:59"])
def test_sessions_on_the_first_and_last_days_of_the_calendar_are_logged(logged_in, trainer, starts_at):
    response = log_session(logged_in, factories.make_client(trainer).id, starts_at)

    assert response.status_code == 302
    assert session_count() == 1


@pytest.mark.parametrize("received_on", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_a_payment_dated_outside_1900_to_2100_is_refused_beside_the_date(logged_in, trainer, received_on):
    invoice, _path = send_with_link(logged_in, trainer)

    response = logged_in.post(f"/invoices/{invoice.id}/payments", {"amount": "10", "method": "cash",
                                                                   "received_on": received_on})

    assert response.status_code == 200
    assert field_error(response, "received_on") == "Enter a date between 1900 and 2100."
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_a_client_id_beyond_any_row_in_the_session_form_is_refused_beside_the_client(logged_in):
    response = log_session(logged_in, 2**63, "2026-01-05T09:00")

    assert response.status_code == 200
    assert field_error(response, "client_id") == "Pick one of your clients."
    assert session_count() == 0


def test_a_nul_character_in_a_form_or_the_query_is_a_400_and_changes_nothing(logged_in, trainer):
    client = factories.make_client(trainer, name="Ann Archer")
    logged_in.get(f"/clients/{client.id}/edit")

    typed = logged_in.post(f"/clients/{client.id}/edit", {"name": "Ann\x00Archer", "mobile": "+14155550100"})
    searched = logged_in.client.get("/clients/", query_string={"q": "Ann\x00"})

    assert (typed.status_code, searched.status_code) == (400, 400)
    db.session.expire_all()
    assert db.session.get(type(client), client.id).name == "Ann Archer"


@pytest.mark.parametrize("token", ["é" * 44, "é" * 22 + "a" * 22, "\u0661" * 44, "a" * 43 + "\u00ff"])
def test_a_non_ascii_invoice_link_is_the_same_404_as_a_bad_link(app, token):
    stranger = app.test_client()
    bad_link = stranger.get("/i/" + "x" * 44)

    for path in (f"/i/{token}", f"/i/{token}/paid"):
        response = stranger.get(path)
        assert response.status_code == 404, path
        assert response.data == bad_link.data
    assert stranger.post(f"/i/{token}/pay").status_code in (400, 404)  # no CSRF token, or no such link


# Stripe events that are signed but not what an event looks like

def _completed_event(fake_stripe, open_session) -> dict:
    _invoice, session_id = open_session
    fake_stripe.complete_session(session_id)
    return fake_stripe.event("checkout.session.completed", session_id)


MALFORMED = {
    "not an object": lambda e: [e],
    "no data": lambda e: {k: v for k, v in e.items() if k != "data"},
    "data is text": lambda e: {**e, "data": "object"},
    "no data.object": lambda e: {**e, "data": {}},
    "data.object is a list": lambda e: {**e, "data": {"object": [e["data"]["object"]]}},
    "id is a number": lambda e: {**e, "id": 12345},
    "no id": lambda e: {k: v for k, v in e.items() if k != "id"},
    "type is a list": lambda e: {**e, "type": [e["type"]]},
    "account is an object": lambda e: {**e, "account": {"id": e["account"]}},
    "id too long": lambda e: {**e, "id": "evt_" + "x" * 300},
    "created is text": lambda e: {**e, "created": str(e["created"])},
    "object id missing": lambda e: {**e, "data": {"object": {k: v for k, v in e["data"]["object"].items()
                                                             if k != "id"}}},
    "object id is a number": lambda e: {**e, "data": {"object": {**e["data"]["object"], "id": 7}}},
    "payment intent is a list": lambda e: {**e, "data": {"object": {**e["data"]["object"],
                                                                    "payment_intent": ["pi_1"]}}},
}


@pytest.fixture
def open_session(app, browser, fake_stripe):
    return open_checkout(browser, fake_stripe)


@pytest.mark.parametrize("malformed", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_but_malformed_stripe_event_is_400_and_changes_nothing(client, fake_stripe, open_session,
                                                                        malformed):
    invoice, _session_id = open_session
    payload = json.dumps(malformed(_completed_event(fake_stripe, open_session)))

    response = post_webhook(client, payload, {"Stripe-Signature": signature_header(payload)})

    assert (response.status_code, response.get_data(as_text=True)) == (400, "Not a Stripe event")
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0
    assert card_payments(invoice.id) == []


def test_a_signed_body_that_is_not_json_is_400(client, fake_stripe, open_session):
    for payload in ("not json", "[" * 100000, '{"id": "evt_1", "type": "x", "data": {"object": {}}'):
        response = post_webhook(client, payload, {"Stripe-Signature": signature_header(payload)})
        assert response.status_code == 400, payload[:40]
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_the_same_event_well_formed_is_still_applied(client, fake_stripe, open_session):
    invoice, _session_id = open_session

    assert deliver(client, _completed_event(fake_stripe, open_session)).status_code == 200
    assert len(card_payments(invoice.id)) == 1
