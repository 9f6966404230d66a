"""Settings → Billing schedule on a phone-size Chromium: a wrong day is said beside it, then saved."""
import pytest

from app.extensions import db
from app.models import BillingSchedule
from tests import factories
from tests.browser_support import chromium, live_server, phone_page  # noqa: F401

pytestmark = pytest.mark.browser


def test_she_sets_monthly_on_the_last_day_after_a_time_that_does_not_parse(phone_page, app):
    from playwright.sync_api import expect
    trainer = factories.make_trainer(email="jo@example.com", name="Jo Okafor")
    page = phone_page
    page.log_in("jo@example.com")
    page.locator(".topbar").get_by_role("link", name="Settings").click()
    page.locator("#billing-schedule-link").click()
    expect(page.get_by_role("heading", name="Billing schedule")).to_be_visible()

    page.locator("#cadence").select_option("monthly")
    page.locator("#month_day").select_option("last")
    page.locator("#at_time").evaluate("el => { el.type = 'text'; el.value = 'nine'; }")  # an old phone's text box
    page.get_by_role("button", name="Save schedule").click()
    expect(page.locator("#at_time-error")).to_have_text("Enter a time like 09:00 (24-hour).")
    page.snap("billing-schedule-bad-time")
    db.session.expire_all()
    assert db.session.get(BillingSchedule, trainer.id) is None

    page.locator("#at_time").fill("18:30")
    page.locator("#review").select_option("send")
    page.get_by_role("button", name="Save schedule").click()
    expect(page.get_by_text("Billing schedule saved.")).to_be_visible()
    expect(page.get_by_text("Next billing")).to_be_visible()
    page.snap("billing-schedule-saved")
    db.session.expire_all()
    schedule = db.session.get(BillingSchedule, trainer.id)
    assert (schedule.cadence, schedule.month_day, schedule.at_minute, schedule.review) == ("monthly", 31, 1110, False)
