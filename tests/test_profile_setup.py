"""Setting up the profile: the time zone picked from a searchable list of current zones, a rate that
starts empty, and what happens before a rate is set."""
import re

import pytest

from app.extensions import db
from app.models import Trainer
from app.services import accounts
from tests import factories
from tests.pages import element, error_beside, form_values, text_of
from tests.test_profile import VALID, row, save


@pytest.fixture
def newcomer(app, browser):
    """A trainer just signed up: nothing but her name and business yet."""
    trainer = accounts.create_trainer("new@example.com", factories.PASSWORD, "Maya Lopez", "Lopez Strength")
    browser.login("new@example.com")
    browser.get("/settings/")
    return trainer


def _offered_zones(page) -> list[str]:
    return re.findall(r'<option value="([^"]+)"', element(page, "timezone-list"))


def test_a_new_trainers_rate_starts_empty_not_at_zero(browser, newcomer):
    values = form_values(browser.get("/settings/"))
    assert values["default_rate_cents"] == ""
    response = browser.post("/settings/", {**values, "default_rate_cents": ""})
    assert error_beside(response, "default_rate_cents") == "Enter an amount."


def test_the_time_zone_is_searchable_among_current_zones_only(browser, newcomer):
    page = browser.get("/settings/").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="timezone"[^>]*>', page).group(0)
    assert 'list="timezone-list"' in field
    zones = _offered_zones(page)
    assert {"America/New_York", "Asia/Kolkata", "Europe/Kyiv", "America/Argentina/Buenos_Aires"} <= set(zones)
    assert not {"US/Eastern", "Asia/Calcutta", "Europe/Kiev", "Etc/GMT+5", "GB", "EST5EDT"} & set(zones)
    assert 350 < len(zones) < 450


def test_until_she_saves_her_profile_the_phones_zone_is_offered_then_never_again(browser, newcomer):
    page = browser.get("/settings/").get_data(as_text=True)
    assert "data-guess-zone" in re.search(r'<input[^>]*id="timezone"[^>]*>', page).group(0)
    assert browser.post("/settings/", {**VALID, "timezone": "Asia/Kolkata"}).status_code == 302
    assert "data-guess-zone" not in browser.get("/settings/").get_data(as_text=True)


@pytest.mark.parametrize("typed, stored", [
    ("Asia/Calcutta", "Asia/Kolkata"),         # what some browsers still report
    ("US/Eastern", "America/New_York"),
    ("america/new york", "America/New_York"),
    ("  Europe/Kiev ", "Europe/Kyiv"),
    ("Europe/Amsterdam", "Europe/Amsterdam"),  # listed for its country, though it now links to Brussels
    ("UTC", "UTC"),
])
def test_a_zone_is_stored_under_its_current_name(logged_in, trainer, typed, stored):
    assert save(logged_in, timezone=typed).status_code == 302
    assert row(trainer.id)["timezone"] == stored


def test_a_session_for_a_client_without_a_rate_before_she_has_one_asks_for_it(browser, newcomer):
    client = factories.make_client(newcomer, name="Sam Rivera", default_rate_cents=None)
    page = text_of(browser.get(f"/clients/{client.id}"))
    assert "Not set yet" in page and "+ Log session ·" not in page
    form = form_values(browser.get(f"/sessions/new?client_id={client.id}"), "session-form")
    assert form["rate_cents"] == ""
    response = browser.post("/sessions/new", {**form, "starts_at": "2026-03-10T07:00"})
    assert error_beside(response, "rate_cents") == \
        "Enter the rate: neither this client nor your profile has one yet."
    assert db.session.get(Trainer, newcomer.id).default_rate_cents is None
