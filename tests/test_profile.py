"""The trainer's profile: who invoices come from, her defaults, and refusals beside the field."""
import pytest
from sqlalchemy import inspect

from app.extensions import db
from app.models import Trainer
from tests import factories
from tests.pages import error_beside, form_values

VALID = {
    "business_name": "Rivera Strength",
    "name": "Ana Rivera",
    "mobile": "(415) 555-2671",
    "venmo_handle": "@rivera-strength",
    "timezone": "America/Los_Angeles",
    "default_rate_cents": "85.00",
    "payment_terms_days": "14",
    "currency": "USD",
}


def row(trainer_id: int) -> dict:
    """The trainer's stored columns, read afresh from the database."""
    db.session.expire_all()
    t = db.session.get(Trainer, trainer_id)
    return {c.key: getattr(t, c.key) for c in inspect(Trainer).column_attrs}


def save(logged_in, **changes):
    logged_in.get("/settings/")
    return logged_in.post("/settings/", {**VALID, **changes})


def test_profile_page_shows_what_is_saved(logged_in, trainer):
    page = logged_in.get("/settings/")
    assert page.status_code == 200
    values = form_values(page)
    assert values["business_name"] == trainer.business_name
    assert values["name"] == trainer.name
    assert values["mobile"] == "(415) 555-0100"
    assert values["timezone"] == "America/New_York"
    assert values["default_rate_cents"] == "80.00"
    assert values["payment_terms_days"] == "7"
    assert values["currency"] == "USD"


def test_saving_the_profile_stores_every_field(logged_in, trainer):
    response = save(logged_in)
    assert response.status_code == 302
    saved = row(trainer.id)
    assert saved["business_name"] == "Rivera Strength"
    assert saved["name"] == "Ana Rivera"
    assert saved["mobile"] == "+14155552671"
    assert saved["venmo_handle"] == "rivera-strength"
    assert saved["timezone"] == "America/Los_Angeles"
    assert saved["default_rate_cents"] == 8500 and type(saved["default_rate_cents"]) is int
    assert saved["payment_terms_days"] == 14
    assert saved["currency"] == "USD"
    assert "Profile saved." in logged_in.get("/settings/").get_data(as_text=True)


def test_saved_profile_reads_back_into_the_form_unchanged(logged_in, trainer):
    save(logged_in)
    before = row(trainer.id)
    # Pressing save again on the page as it is shown changes nothing.
    again = logged_in.post("/settings/", form_values(logged_in.get("/settings/")))
    assert again.status_code == 302
    assert row(trainer.id) == before


def test_currency_defaults_to_usd(app):
    trainer = factories.make_trainer()
    assert trainer.currency == "USD"


def test_other_currency_is_used_for_amounts(logged_in, trainer):
    save(logged_in, currency="GBP")
    assert row(trainer.id)["currency"] == "GBP"
    client = factories.make_client(trainer, default_rate_cents=4000)
    page = logged_in.get(f"/clients/{client.id}").get_data(as_text=True)
    assert "£40.00" in page


def test_unicode_names_are_accepted(logged_in, trainer):
    response = save(logged_in, business_name="Fuerza Ñandú 💪", name="Zoë Ångström-Łukasz")
    assert response.status_code == 302
    saved = row(trainer.id)
    assert saved["business_name"] == "Fuerza Ñandú 💪"
    assert saved["name"] == "Zoë Ångström-Łukasz"
    assert "Fuerza Ñandú 💪" in logged_in.get("/settings/").get_data(as_text=True)


def test_a_name_of_exactly_100_characters_is_accepted(logged_in, trainer):
    assert save(logged_in, name="é" * 100).status_code == 302
    assert row(trainer.id)["name"] == "é" * 100


def test_names_are_saved_without_surrounding_spaces(logged_in, trainer):
    save(logged_in, business_name="  Rivera Strength  ", name=" Ana ")
    saved = row(trainer.id)
    assert (saved["business_name"], saved["name"]) == ("Rivera Strength", "Ana")


def test_zero_payment_terms_means_due_on_receipt_and_is_accepted(logged_in, trainer):
    response = save(logged_in, payment_terms_days="0")
    assert response.status_code == 302, error_beside(response.data, "payment_terms_days")
    assert row(trainer.id)["payment_terms_days"] == 0


def test_uk_trainer_can_save_her_uk_mobile(logged_in, trainer):
    assert save(logged_in, mobile="+44 7700 900123", timezone="Europe/London", currency="GBP").status_code == 302
    assert row(trainer.id)["mobile"] == "+447700900123"
    # Her number, read back in her own country's format, saves unchanged.
    again = logged_in.post("/settings/", form_values(logged_in.get("/settings/")))
    assert again.status_code == 302
    assert row(trainer.id)["mobile"] == "+447700900123"


def test_uk_trainer_typing_a_london_landline_is_told_it_is_a_landline(logged_in, trainer):
    trainer.mobile = "+447700900123"
    db.session.commit()
    before = row(trainer.id)
    response = save(logged_in, mobile="020 7946 0000")
    assert "landline" in error_beside(response, "mobile")
    assert row(trainer.id) == before


def test_mobile_is_optional(logged_in, trainer):
    assert save(logged_in, mobile="").status_code == 302
    assert row(trainer.id)["mobile"] is None


def test_clients_may_text_her_only_once_she_says_so(logged_in, trainer):
    assert row(trainer.id)["clients_may_text"] is False
    assert "clients_may_text" not in form_values(logged_in.get("/settings/"))

    assert save(logged_in, clients_may_text="y").status_code == 302

    assert row(trainer.id)["clients_may_text"] is True
    assert save(logged_in).status_code == 302  # the box left unticked turns it off again
    assert row(trainer.id)["clients_may_text"] is False


def test_letting_clients_text_her_needs_her_mobile(logged_in, trainer):
    before = row(trainer.id)
    response = save(logged_in, mobile="", clients_may_text="y")
    assert response.status_code == 200
    assert error_beside(response.data, "clients_may_text") == "Add your mobile number so clients can text you."
    assert row(trainer.id) == before


def test_a_trainer_in_utc_keeps_utc_when_she_saves(logged_in, trainer):
    trainer.timezone = "UTC"
    db.session.commit()
    values = form_values(logged_in.get("/settings/"))
    assert values["timezone"] == "UTC"
    logged_in.post("/settings/", values)
    assert row(trainer.id)["timezone"] == "UTC"


@pytest.mark.parametrize("field, typed, message", [
    ("mobile", "+33 1 23 45 67 89", "landline"),
    ("mobile", "1-800-555-0199", "This is a toll-free number, not a mobile number."),
    ("mobile", "+44 20 7946 0000", "landline"),
    ("mobile", "(415) 555-26", "not a valid phone number"),
    ("mobile", "call me", "Enter a mobile number"),
    ("default_rate_cents", "-5", "cannot be negative"),
    ("default_rate_cents", "eighty", "Enter an amount like 45 or 45.50."),
    ("default_rate_cents", "10000.01", "cannot be more than $10,000.00"),
    ("default_rate_cents", "85.505", "at most two decimal places"),
    ("default_rate_cents", "", "Enter an amount."),
    ("timezone", "Mars/Olympus_Mons", "Pick a time zone from the list"),
    ("timezone", "", "Pick a time zone"),
    ("business_name", "x" * 101, "longer than 100"),
    ("name", "ñ" * 101, "longer than 100"),
    ("business_name", "   ", "Enter your business name."),
    ("name", "", "Enter your name."),
    ("payment_terms_days", "", "Enter a number of days."),
    ("payment_terms_days", "91", "Between 0 and 90 days."),
    ("payment_terms_days", "-1", "Between 0 and 90 days."),
    ("payment_terms_days", "two weeks", "valid integer"),
    ("venmo_handle", "ab", "Venmo usernames"),
    ("venmo_handle", "has space", "Venmo usernames"),
    ("currency", "BTC", "Not a valid choice"),
])
def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(logged_in, trainer, field, typed, message):
    before = row(trainer.id)
    response = save(logged_in, **{field: typed})
    assert response.status_code == 200
    error = error_beside(response.data, field)
    assert error is not None, f"no message beside {field}"
    assert message.lower() in error.lower()
    assert row(trainer.id) == before


def test_one_bad_field_keeps_the_good_ones_unsaved_too(logged_in, trainer):
    before = row(trainer.id)
    response = save(logged_in, default_rate_cents="-1", business_name="New Name")
    assert error_beside(response.data, "default_rate_cents")
    assert row(trainer.id) == before
    # What she typed is still in the form for her to fix.
    values = form_values(response.data)
    assert values["business_name"] == "New Name"
    assert values["default_rate_cents"] == "-1"


def test_profile_needs_a_login(client):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_profile_form_without_its_csrf_token_changes_nothing(logged_in, trainer):
    before = row(trainer.id)
    response = logged_in.client.post("/settings/", data={**VALID})
    assert response.status_code == 400
    assert row(trainer.id) == before
