"""Getting started, the profile, clients and sessions, on a phone-size Chromium."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from app.extensions import db
from app.models.types import utcnow
from app.services.drafts import sync_drafts, update_line
from tests import factories
from app.models import Trainer
from app.services import accounts
from tests.browser_support import (IPHONE_USER_AGENT, chromium, live_server, open_phone_page,  # noqa: F401
                                   phone_page)
from tests.invoice_helpers import submit_drafts

pytestmark = pytest.mark.browser

ZONE = "America/New_York"


def _in_the_form(moment: datetime) -> str:
    from zoneinfo import ZoneInfo
    return moment.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def jo(app):
    return factories.make_trainer(email="jo@example.com", name="Jo Okafor", business_name="Okafor Performance",
                                  timezone=ZONE, default_rate_cents=8000)


def test_sessions_show_what_is_billed_what_is_upcoming_and_ask_before_a_double_booking(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    ana = factories.make_client(jo, name="Ana Alvarez")
    billed = factories.make_session(ana, days_ago=0.2, rate_cents=8000)
    [draft] = sync_drafts(jo.id)
    line = draft.lines[0]
    update_line(jo.id, draft.id, line.id, draft.version, "test", unit_price_cents=6000, quantity=1,
                description=line.description, no_charge=False)
    submit_drafts(jo.id, "first-week")
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    factories.make_session(ana, starts_at=tomorrow.replace(second=0, microsecond=0))
    page.log_in("jo@example.com")

    page.goto(f"/sessions/?week={_in_the_form(tomorrow)[:10]}")
    expect(page.locator("ul.list > li").filter(has_text="Upcoming")).to_have_count(1)
    page.snap("week-with-upcoming")

    page.goto(f"/clients/{ana.id}")
    row = page.locator("ul.list > li").filter(has_text="Invoiced")
    expect(row.locator(".amount")).to_have_text("$60.00")
    expect(row.locator(".struck")).to_have_text("$80.00")
    page.snap("client-billed-price")

    row.click()
    expect(page.get_by_role("heading", name="Session with Ana Alvarez")).to_be_visible()
    expect(page.locator("#session-form")).to_have_count(0)
    invoice_link = page.get_by_role("link", name="On INV-0001")
    expect(invoice_link).to_be_visible()
    page.get_by_label("Notes").fill("Shoulder fine again")
    page.snap("invoiced-session")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_role("status").first).to_have_text("Notes saved.")
    expect(page.get_by_label("Notes")).to_have_value("Shoulder fine again")
    db.session.refresh(billed)
    assert billed.notes == "Shoulder fine again"
    invoice_link.click()
    expect(page.page).to_have_url(re.compile(rf"/invoices/{billed.invoice_id}$"))

    page.goto(f"/sessions/new?client_id={ana.id}")
    page.get_by_label("Start").fill(_in_the_form(tomorrow + timedelta(minutes=30)))
    page.get_by_role("button", name="Log session").click()
    question = page.locator("#overlap-question")
    expect(question).to_contain_text("Ana Alvarez already has a session then")
    expect(question).to_contain_text("Log anyway?")
    page.snap("overlap-question")
    page.get_by_role("button", name="Log anyway").click()
    expect(page.get_by_role("status").first).to_have_text("Session with Ana Alvarez logged.")
    page.snap("logged-anyway")


def test_an_archived_client_offers_no_log_session(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    gone = factories.make_client(jo, name="Gus Moreau", archived_at=utcnow())
    factories.make_session(gone, days_ago=3)
    page.log_in("jo@example.com")
    page.goto(f"/clients/{gone.id}")
    expect(page.get_by_text("Restore Gus Moreau to log sessions.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Log session"))).to_have_count(0)
    page.snap("archived-client")


def test_a_new_trainers_profile_starts_in_her_phones_time_zone_with_an_empty_rate(open_phone_page, app):
    from playwright.sync_api import expect
    trainer = accounts.create_trainer("maya@example.com", factories.PASSWORD, "Maya Lopez", "Lopez Strength")
    page = open_phone_page(timezone_id="Asia/Kolkata")
    page.log_in("maya@example.com")
    page.locator(".topbar").get_by_role("link", name="Settings").click()
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value("Asia/Kolkata")  # Chromium itself still says Asia/Calcutta
    expect(page.get_by_label("Default session rate")).to_have_value("")
    expect(page.get_by_label("Default session rate")).to_have_attribute("placeholder", "85.00")
    page.snap_at(zone, "profile-new")
    page.get_by_label("Default session rate").fill("85")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").first).to_have_text("Profile saved.")
    expect(zone).to_have_value("Asia/Kolkata")
    assert db.session.get(Trainer, trainer.id).timezone == "Asia/Kolkata"

    zone.fill("Chicago")  # searching: the list offers the zone, typed the way a person would
    expect(page.locator("#timezone-list option[value='America/Chicago']")).to_have_count(1)
    zone.fill("America/Chicago")
    page.get_by_role("button", name="Save profile").click()
    expect(zone).to_have_value("America/Chicago")
    page.snap("profile-saved")


def _an_hour_ago() -> str:
    return _in_the_form(datetime.now(timezone.utc) - timedelta(hours=1))


def test_a_new_trainer_is_led_from_an_empty_dashboard_to_her_first_invoice(phone_page, app):
    from playwright.sync_api import expect
    page = phone_page
    accounts.create_trainer("maya@example.com", factories.PASSWORD, "Maya Lopez", "Lopez Strength")
    page.log_in("maya@example.com")
    card = page.locator("#getting-started")
    expect(card.locator("li")).to_have_count(3)
    expect(card.locator("li.next")).to_contain_text("Fill in your profile")
    expect(page.locator("#create-invoices")).to_have_count(0)
    page.snap("empty-dashboard")

    card.get_by_role("link", name=re.compile("Fill in your profile")).click()
    page.get_by_label("Default session rate").fill("85")
    page.get_by_role("button", name="Save profile").click()
    page.tab("Home").click()
    expect(card.locator("li.done")).to_contain_text("Fill in your profile")
    expect(card.locator("li.next")).to_contain_text("Add your first client")
    page.snap("one-step-done")

    page.tab("+ Log").click()
    expect(page.locator("#session-form")).to_have_count(0)
    page.snap("log-without-clients")
    page.get_by_role("link", name="Add a client").click()
    page.get_by_label("Name").fill("Sam Rivera")
    page.get_by_label("Mobile number").fill("415 555 0188")
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_role("heading", name="Log session")).to_be_visible()
    expect(page.get_by_label("Client").locator("option:checked")).to_have_text("Sam Rivera")
    expect(page.get_by_label("Rate")).to_have_value("85.00")
    page.get_by_label("Start").fill(_an_hour_ago())
    page.get_by_role("button", name="Log session").click()

    page.tab("Home").click()
    expect(page.locator("#getting-started")).to_have_count(0)
    create = page.locator("#create-invoices")
    expect(create).to_have_text("Create invoices · $85.00 not yet invoiced")
    page.snap_at(create, "dashboard-with-something-to-bill")
    create.click()
    expect(page.get_by_role("heading", name="Create invoices")).to_be_visible()


_TAB_LINES_JS = """() => [...document.querySelectorAll('.tabbar a')].map(a => {
    const range = document.createRange();
    range.selectNodeContents(a);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return [a.innerText.trim(), tops.size];
})"""


def test_tab_labels_stay_on_one_line_on_a_320px_phone(open_phone_page, jo):
    from playwright.sync_api import expect
    page = open_phone_page(width=320, height=640)
    page.log_in("jo@example.com")
    for tab, lines in page.evaluate(_TAB_LINES_JS):
        assert lines == 1, f"the {tab!r} tab label breaks over {lines} lines at 320px"
    expect(page.tab("Sessions")).to_be_visible()
    page.snap("dashboard-320")


def test_text_links_are_tall_enough_to_tap(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    page.goto("/login")
    link = page.get_by_role("link", name="Create an account")
    assert link.bounding_box()["height"] >= 44
    page.snap("login")
    page.log_in("jo@example.com")
    page.tab("Clients").click()
    add_first = page.get_by_role("link", name="Add your first client")
    expect(add_first).to_be_visible()
    assert add_first.bounding_box()["height"] >= 44
    page.snap("clients-empty")


def test_on_a_phone_keep_me_logged_in_is_on_and_log_out_sits_away_from_settings(open_phone_page, jo):
    from playwright.sync_api import expect
    page = open_phone_page(user_agent=IPHONE_USER_AGENT)
    page.goto("/login")
    expect(page.get_by_label("Keep me logged in for 30 days")).to_be_checked()
    page.snap("login-on-a-phone")
    page.get_by_label("Email").fill("jo@example.com")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hi Jo")).to_be_visible()
    remembered = [c for c in page.context.cookies() if c["name"] == "remember_token"]
    assert remembered, "the phone was not remembered"
    expect(page.locator(".topbar").get_by_role("button", name="Log out")).to_have_count(0)

    page.locator(".topbar").get_by_role("link", name="Settings").click()
    log_out = page.get_by_role("button", name="Log out")
    settings_link = page.locator(".topbar").get_by_role("link", name="Settings")
    assert log_out.bounding_box()["y"] - settings_link.bounding_box()["y"] > 500
    page.snap_at(log_out, "settings-log-out")
    page.on("dialog", lambda dialog: pytest.fail(f"log out asked: {dialog.message}"))
    log_out.click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_a_browser_that_does_not_say_it_is_a_phone_is_not_kept_logged_in_unless_asked(phone_page, jo):
    from playwright.sync_api import expect
    phone_page.goto("/login")
    expect(phone_page.get_by_label("Keep me logged in for 30 days")).not_to_be_checked()


def test_the_venmo_link_in_texts_is_turned_off_in_settings_knowing_what_it_costs(phone_page, app):
    from playwright.sync_api import expect
    from app.services.texting import typical_invoice_segments
    trainer = factories.make_trainer(email="jo@example.com", name="Jo Okafor", business_name="Okafor Performance",
                                     timezone=ZONE, default_rate_cents=8000, venmo_handle="okafor-pc")
    with_link, without_link = typical_invoice_segments(trainer)
    page = phone_page
    page.log_in("jo@example.com")
    page.locator(".topbar").get_by_role("link", name="Settings").click()
    toggle = page.get_by_label("Put a Venmo pay link in invoice texts")
    expect(toggle).to_be_checked()
    hint = page.locator(".field", has=toggle).locator(".hint")
    assert (with_link, without_link) == (2, 2)  # a short business name: the link costs no extra segment here
    expect(hint).to_contain_text("A typical invoice text takes 2 segments with the link or without it")
    page.snap_at(toggle, "venmo-in-texts")
    toggle.uncheck()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").first).to_have_text("Profile saved.")
    expect(page.get_by_label("Put a Venmo pay link in invoice texts")).not_to_be_checked()
    db.session.refresh(trainer)
    assert trainer.venmo_in_texts is False
