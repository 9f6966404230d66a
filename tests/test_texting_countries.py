"""Texts go only to numbers in the countries of SMS_ALLOWED_COUNTRIES (the US and Canada unless set)."""
import pytest
from sqlalchemy import func, select

from app.config import _env_codes
from app.extensions import db
from app.models import Client, MessageStatus, OutboxMessage
from tests import factories
from tests.invoice_helpers import submit_fields
from tests.pages import error_beside
from tests.texting_helpers import submit_invoices

ONLY_US_AND_CANADA = "Spotter texts numbers in the US and Canada only"


def client_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Client))


@pytest.mark.parametrize("typed, country", [("+44 7400 123456", "the UK"), ("+1 876 555 0123", "Jamaica"),
                                            ("+33 6 12 34 56 78", "France")])
def test_client_form_refuses_a_number_in_another_country_beside_the_field(logged_in, typed, country):
    logged_in.get("/clients/new")

    response = logged_in.post("/clients/new", {"name": "Far Away", "mobile": typed, "sms_consent": "y"})

    assert response.status_code == 200
    assert error_beside(response, "mobile") == f"{ONLY_US_AND_CANADA}, not in {country}."
    assert client_count() == 0


def test_us_and_canadian_numbers_are_accepted(logged_in):
    for name, typed in (("Us Client", "(415) 555-2671"), ("Ca Client", "+1 613 555 0123")):
        logged_in.get("/clients/new")
        response = logged_in.post("/clients/new", {"name": name, "mobile": typed, "sms_consent": "y"})
        assert response.status_code == 302, error_beside(response, "mobile")
    assert client_count() == 2


def test_a_server_that_allows_the_uk_takes_uk_numbers(app, logged_in):
    app.config["SMS_ALLOWED_COUNTRIES"] = ("US", "CA", "GB")
    logged_in.get("/clients/new")

    response = logged_in.post("/clients/new", {"name": "Olly", "mobile": "+44 7400 123456", "sms_consent": "y"})

    assert response.status_code == 302, error_beside(response, "mobile")


def test_allowed_countries_are_read_as_comma_separated_codes(monkeypatch):
    monkeypatch.setenv("SMS_ALLOWED_COUNTRIES", " us, ca ,GB,")
    assert _env_codes("SMS_ALLOWED_COUNTRIES", "US,CA") == ("US", "CA", "GB")
    monkeypatch.delenv("SMS_ALLOWED_COUNTRIES")
    assert _env_codes("SMS_ALLOWED_COUNTRIES", "US,CA") == ("US", "CA")


def test_invoice_to_a_number_on_file_from_another_country_is_not_texted_and_its_link_is_shown(
        logged_in, trainer, fake_twilio, run_worker):
    far = factories.make_client(trainer, name="Olly Brown", mobile="+447400123456")
    factories.make_session(far)

    batch = logged_in.post("/invoices/submit", submit_fields(logged_in.post("/invoices/bill", follow_redirects=True).data),
                           follow_redirects=True)
    run_worker()

    row = db.session.scalar(select(OutboxMessage))
    assert row.status == MessageStatus.not_sent
    assert row.error_message == f"{ONLY_US_AND_CANADA}, not in the UK."
    html = batch.get_data(as_text=True)
    assert "not in the UK" in html and "http://spotter.test/i/" in html
    assert fake_twilio.messages == []


def test_a_queued_text_whose_country_is_no_longer_allowed_is_refused_by_the_job(app, trainer, fake_twilio,
                                                                                run_worker):
    app.config["SMS_ALLOWED_COUNTRIES"] = ("US", "CA", "GB")
    [message] = submit_invoices(trainer, mobile="+447400123456")
    assert message.status == MessageStatus.queued
    app.config["SMS_ALLOWED_COUNTRIES"] = ("US", "CA")

    run_worker()

    db.session.expire_all()
    row = db.session.get(OutboxMessage, message.id)
    assert row.status == MessageStatus.not_sent and "not in the UK" in row.error_message
    assert fake_twilio.messages == []


def test_a_queued_text_to_a_client_who_replied_stop_meanwhile_is_not_sent(app, trainer, fake_twilio, run_worker):
    from app.services.texting import apply_inbound
    [message] = submit_invoices(trainer, mobile="+14155550177")
    apply_inbound("+14155550177", "STOP")

    run_worker()

    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.not_sent
    assert fake_twilio.messages == []
