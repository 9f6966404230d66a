"""A new trainer's first minutes: three steps on the dashboard, "Log session" with no client yet,
and the way to bill what is waiting."""
import re

import pytest

from app.extensions import db
from tests import factories
from tests.pages import element, form_values, text_of
from tests.test_profile_setup import newcomer  # noqa: F401  (fixture)


def steps(page) -> list[tuple[str, str]]:
    """(step, state) for each step of the Getting started card."""
    card = element(page, "getting-started")
    return [(text_of(title), "done" if "done" in cls else ("next" if "next" in cls else "to do"))
            for cls, title in re.findall(r'<li class="([^"]*)">.*?(<span class="step-title">.*?</span>)', card, re.S)]


def test_an_empty_dashboard_leads_through_three_steps(browser, newcomer):
    assert steps(browser.get("/dashboard")) == [
        ("Fill in your profile", "next"), ("Add your first client", "to do"), ("Log your first session", "to do")]
    page = browser.get("/dashboard").get_data(as_text=True)
    for href in ('href="/settings/"', 'href="/clients/new"', 'href="/sessions/new"'):
        assert href in element(page, "getting-started")


def test_each_step_is_ticked_off_as_it_is_taken_and_the_card_goes_when_all_are(browser, newcomer):
    newcomer.default_rate_cents = 8500  # what saving the profile sets
    db.session.commit()
    assert [state for _, state in steps(browser.get("/dashboard"))] == ["done", "next", "to do"]
    client = factories.make_client(newcomer, name="Sam Rivera")
    assert [state for _, state in steps(browser.get("/dashboard"))] == ["done", "done", "next"]
    factories.make_session(client, days_ago=0.01)
    assert 'id="getting-started"' not in browser.get("/dashboard").get_data(as_text=True)


def test_a_trainer_under_way_sees_no_getting_started(logged_in, trainer):
    factories.make_session(factories.make_client(trainer))
    assert "Getting started" not in text_of(logged_in.get("/dashboard"))


def test_log_session_with_no_client_offers_to_add_one_and_comes_back_to_log(browser, newcomer):
    page = browser.get("/sessions/new").get_data(as_text=True)
    assert 'id="session-form"' not in page
    offer = element(page, "add-a-client")
    assert re.search(r'<a class="button block big" href="/clients/new\?then=session">Add a client</a>', offer)
    added = browser.post("/clients/new?then=session", {"name": "Sam Rivera", "mobile": "(415) 555-0188",
                                                       "sms_consent": "y", "notes": ""})
    assert added.status_code == 302
    form = browser.get(added.headers["Location"])
    assert "Sam Rivera added." in text_of(form)
    assert form_values(form, "session-form")["client_id"] != "0"


def test_an_archived_client_only_still_means_adding_or_restoring_one(browser, newcomer):
    from app.models.types import utcnow
    factories.make_client(newcomer, name="Gone Away", archived_at=utcnow())
    assert 'id="add-a-client"' in browser.get("/sessions/new").get_data(as_text=True)


def test_something_unbilled_puts_a_create_invoices_button_on_the_dashboard(logged_in, trainer):
    assert 'id="create-invoices"' not in logged_in.get("/dashboard").get_data(as_text=True)
    client = factories.make_client(trainer)
    factories.make_session(client, days_ago=1, rate_cents=28000)
    factories.make_session(client, days_ago=2, rate_cents=28000)
    page = logged_in.get("/dashboard").get_data(as_text=True)
    button = element(page, "create-invoices")
    assert 'action="/invoices/bill"' in page and 'type="submit"' in button
    assert text_of(button) == "Create invoices · $560.00 not yet invoiced"
