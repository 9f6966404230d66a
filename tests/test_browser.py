"""A trainer's first minutes, on a phone-size Chromium: sign up, profile, a client, a session, the dashboard."""
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.models import SessionStatus
from tests import factories
from tests.browser_support import chromium, live_server, phone_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

ZONE = "America/New_York"


def _earlier_this_week(tz_name: str) -> str:
    """A start time an hour ago, but never before this Monday, as a datetime-local value."""
    now = datetime.now(ZoneInfo(tz_name)).replace(tzinfo=None, second=0, microsecond=0)
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0)
    return max(now - timedelta(hours=1), monday).strftime("%Y-%m-%dT%H:%M")




def test_new_trainer_signs_up_logs_a_session_and_sees_it_waiting_to_be_billed(phone_page):
    from playwright.sync_api import expect
    page = phone_page

    page.goto("/signup")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.snap("signup")
    page.get_by_label("Your name").fill("Maya Lopez")
    page.get_by_label("Business name").fill("Lopez Strength")
    page.get_by_label("Email").fill("maya@example.com")
    page.get_by_label("Password").fill("lift-heavy-things")
    page.get_by_role("button", name="Create account").click()

    # The same answer as for an address that already has an account: log in with what was just chosen.
    expect(page.page).to_have_url(re.compile(r"/login\?next=/settings/$"))
    expect(page.get_by_role("status")).to_contain_text("Welcome to Spotter!")
    expect(page.get_by_label("Email")).to_have_value("maya@example.com")
    page.snap("login-after-signup")
    page.get_by_label("Password").fill("lift-heavy-things")
    page.get_by_role("button", name="Log in").click()

    expect(page.page).to_have_url(re.compile(r"/settings/$"))
    expect(page.locator(".topbar .brand")).to_have_text("Lopez Strength")
    expect(page.get_by_label("Business name")).to_have_value("Lopez Strength")
    page.snap("profile-empty")
    page.get_by_label("Your mobile number").fill("(415) 555-0123")
    page.get_by_label("Venmo username").fill("maya-lopez-fit")
    page.get_by_label("Time zone").fill(ZONE)
    page.get_by_label("Default session rate").fill("85")
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("status")).to_have_text("Profile saved.")
    expect(page.get_by_label("Your mobile number")).to_have_value(re.compile(r"415.*555.*0123"))
    expect(page.get_by_label("Venmo username")).to_have_value("maya-lopez-fit")
    expect(page.get_by_label("Default session rate")).to_have_value("85.00")
    expect(page.get_by_label("Time zone")).to_have_value(ZONE)
    page.snap("profile-saved")

    page.tab("Clients").click()
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    expect(page.locator("#client-list")).to_contain_text("No clients yet.")
    page.snap("clients-empty")
    page.get_by_role("link", name="+ Add client").click()
    expect(page.get_by_role("heading", name="Add client")).to_be_visible()
    page.get_by_label("Name").fill("Sam Rivera")
    page.get_by_label("Mobile number").fill("415 555 0188")
    page.get_by_label("Agreed to receive invoices by text").check()
    page.snap("client-form")
    page.get_by_role("button", name="Add client").click()

    expect(page.get_by_role("status")).to_have_text("Sam Rivera added.")
    expect(page.get_by_role("heading", name="Sam Rivera")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("$85.00 (your default)")
    expect(page.get_by_text("No sessions yet.")).to_be_visible()
    page.snap("client-added")

    page.get_by_role("link", name="+ Log session · $85.00").click()
    expect(page.get_by_role("heading", name="Log session")).to_be_visible()
    expect(page.get_by_label("Client")).to_have_value(re.compile(r"^[1-9]\d*$"))
    expect(page.get_by_label("Client").locator("option:checked")).to_have_text("Sam Rivera")
    expect(page.get_by_label("Rate")).to_have_value("85.00")
    page.get_by_label("Start").fill(_earlier_this_week(ZONE))
    page.snap("session-form")
    page.get_by_role("button", name="Log session").click()

    expect(page.get_by_role("status")).to_have_text("Session with Sam Rivera logged.")
    sessions = page.locator("#client-sessions")
    expect(sessions).to_contain_text("60 min")
    expect(sessions).to_contain_text("$85.00")
    page.snap("client-with-session")

    page.tab("Home").click()
    expect(page.get_by_role("heading", name="Hi Maya")).to_be_visible()
    expect(page.get_by_text("Not yet invoiced", exact=True)).to_be_visible()
    expect(page.locator("#uninvoiced-value")).to_have_text("$85.00")
    expect(page.locator("#uninvoiced-count")).to_have_text("1 completed session")
    week = page.locator("ul.list")
    expect(week).to_contain_text("Sam Rivera")
    expect(week).to_contain_text("$85.00")
    page.snap("dashboard")


@pytest.fixture
def busy_trainer(app):
    """A trainer a few weeks in: clients in every state and a week of sessions in every outcome."""
    trainer = factories.make_trainer(email="jo@example.com", name="Jo Okafor",
                                     business_name="Okafor Performance Coaching & Nutrition",
                                     timezone=ZONE, default_rate_cents=9500, venmo_handle="okafor-pc")
    long_name = factories.make_client(trainer, name="Maximiliana Konstantinopoulou-Vanderbilt",
                                      email="maximiliana.konstantinopoulou@example.com",
                                      notes="Left knee: no deep lunges.\nPrefers 6am.")
    opted_out = factories.make_client(trainer, name="Ben Ito", sms_opted_out_at=datetime.now(timezone.utc))
    factories.make_client(trainer, name="Cleo Park", sms_consent=False, mobile=None)
    regular = factories.make_client(trainer, name="Dev Shah", default_rate_cents=12000)
    now = datetime.now(timezone.utc)
    start_of_week = datetime.now(ZoneInfo(ZONE)).replace(hour=0, minute=0, second=0, microsecond=0)
    start_of_week -= timedelta(days=start_of_week.weekday())
    days_in = (now - start_of_week.astimezone(timezone.utc)).total_seconds() / 86400

    def this_week(fraction):
        """days_ago for a moment `fraction` of the way back to Monday 00:00: always this week, never ahead."""
        return days_in * fraction

    factories.make_session(long_name, days_ago=this_week(0.9))
    factories.make_session(regular, days_ago=this_week(0.7), duration_minutes=90)
    factories.make_session(opted_out, days_ago=this_week(0.5), status=SessionStatus.no_show,
                           no_show_chargeable=False)
    factories.make_session(regular, days_ago=this_week(0.3), status=SessionStatus.cancelled)
    factories.make_session(long_name, days_ago=this_week(0.1), status=SessionStatus.no_show)
    return trainer


def test_everyday_screens_fit_a_phone(phone_page, busy_trainer):
    from playwright.sync_api import expect
    page = phone_page

    page.goto("/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email").fill("jo@example.com")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("That email and password do not match an account.")
    page.snap("login-refused")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_label("Keep me logged in for 30 days").check()
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Hi Jo")).to_be_visible()
    expect(page.locator("#uninvoiced-count")).to_have_text("3 completed sessions")
    expect(page.locator("#uninvoiced-value")).to_have_text("$280.00")  # $80 + $120 + a chargeable no-show at $80
    page.snap("dashboard")

    page.tab("Clients").click()
    clients = page.locator("#client-list > li")
    expect(clients).to_have_count(4)
    expect(clients.filter(has_text="Ben Ito")).to_contain_text("Opted out")
    expect(clients.filter(has_text="Cleo Park")).to_contain_text("No texts")
    page.snap("clients")

    clients.filter(has_text="Maximiliana").click()
    expect(page.get_by_role("heading", name="Maximiliana Konstantinopoulou-Vanderbilt")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("maximiliana.konstantinopoulou@example.com")
    expect(page.locator(".facts")).to_contain_text("Left knee: no deep lunges.")
    expect(page.locator("#client-sessions > li")).to_have_count(2)
    page.snap("client")

    page.tab("Sessions").click()
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()
    rows = page.locator("ul.list > li")
    expect(rows).to_have_count(5)
    expect(rows.filter(has_text="Cancelled")).to_have_count(1)
    expect(rows.filter(has_text="No-show · free")).to_have_count(1)
    expect(rows.filter(has_text="90 min")).to_contain_text("$120.00")
    page.snap("sessions-week")

    rows.filter(has_text="90 min").click()
    expect(page.get_by_role("heading", name="Session with Dev Shah")).to_be_visible()
    expect(page.get_by_label("Duration")).to_have_value("90")
    expect(page.get_by_role("button", name="Save session")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel session")).to_be_visible()
    expect(page.get_by_role("button", name="Delete")).to_be_visible()
    page.snap("session-edit")

    page.locator(".topbar").get_by_role("link", name="Settings").click()
    page.get_by_label("Business name").fill("")
    page.get_by_label("Your mobile number").fill("12")
    page.get_by_label("Venmo username").fill("jo!")
    page.get_by_label("Default session rate").fill("lots")
    page.get_by_label("Payment due after (days)").fill("365")
    page.get_by_role("button", name="Save profile").click()
    errors = page.locator(".field .error")
    expect(errors).to_have_count(5)
    expect(page.locator(".has-error", has=page.get_by_label("Venmo username"))).to_contain_text(
        "Venmo usernames are 5–30 letters, digits, - or _.")
    expect(page.locator(".has-error", has=page.get_by_label("Payment due after (days)"))).to_contain_text(
        "Between 0 and 90 days.")
    expect(page.locator(".topbar .brand")).to_have_text("Okafor Performance Coaching & Nutrition")
    page.snap("settings-errors")
