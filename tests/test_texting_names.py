"""The trainer's names go into every text, so they may not carry links, email addresses or phone numbers."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Trainer
from tests.pages import error_beside
from tests.test_profile import VALID, row

CONTACT_DETAILS = ["Rivera Strength http://rivera.example", "https://bit.ly/3xYz", "WWW.rivera-fit.com",
                   "bit.ly/abc", "Rivera Strength rivera.fit", "Book: rivera@gmail.com", "Rivera 415 555 0134",
                   "Call (415) 555-0134", "+44 7700 900123", "ｗｗｗ．ｅｖｉｌ．ｃｏｍ", "evil[.]com", "evil (dot) com"]
PLAIN_NAMES = ["St. Louis Strength", "J.R. Training", "24/7 Fitness", "Studio 54 Est. 2019", "Fit@Home",
               "Fit & Co.", "Polka Dot Pilates", "Ëlïsàbeth’s Strength & Conditioning Studio 💪"]
MESSAGE = "Leave out links, email addresses and phone numbers: this name goes into every text."


@pytest.mark.parametrize("field", ["business_name", "name"])
@pytest.mark.parametrize("typed", CONTACT_DETAILS)
def test_profile_refuses_a_name_with_a_link_email_or_phone_number(logged_in, trainer, field, typed):
    before = row(trainer.id)
    logged_in.get("/settings/")

    response = logged_in.post("/settings/", {**VALID, field: typed})

    assert response.status_code == 200
    assert error_beside(response, field) == MESSAGE
    assert row(trainer.id) == before


@pytest.mark.parametrize("typed", PLAIN_NAMES)
def test_profile_keeps_names_with_dots_digits_and_symbols_that_are_not_contact_details(logged_in, trainer, typed):
    logged_in.get("/settings/")

    response = logged_in.post("/settings/", {**VALID, "business_name": typed})

    assert response.status_code == 302, error_beside(response, "business_name")
    assert row(trainer.id)["business_name"] == typed


@pytest.mark.parametrize("field", ["business_name", "name"])
def test_signup_refuses_a_name_with_a_link_and_makes_no_account(app, browser, field):
    browser.get("/signup")
    data = {"name": "Pat Trainer", "business_name": "Pat Fitness", "email": "pat@example.com",
            "password": "long enough pass", field: "Pat Fitness paypal-refund.example/login"}

    response = browser.post("/signup", data)

    assert response.status_code == 200
    assert error_beside(response, field) == MESSAGE
    assert db.session.scalar(select(func.count()).select_from(Trainer)) == 0


def test_a_name_saved_with_a_link_before_names_were_checked_stops_her_texts(app, trainer, fake_twilio, run_worker):
    from app.models import MessageStatus, OutboxMessage
    from tests.texting_helpers import submit_invoices
    trainer.business_name = "Refunds at paypal-help.example"
    db.session.commit()

    [message] = submit_invoices(trainer)
    run_worker()

    db.session.expire_all()
    row = db.session.get(OutboxMessage, message.id)
    assert row.status == MessageStatus.not_sent and "take it out in Settings" in row.error_message
    assert fake_twilio.messages == []
