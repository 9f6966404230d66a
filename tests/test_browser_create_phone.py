"""The create-invoices and batch screens on a phone: nothing typed is dropped, failed taps say so, who will
not be texted is shown before Send, links are easy to share, and voided work comes back."""
import re
from datetime import date

import pytest
from flask import render_template_string
from sqlalchemy import select

from app.extensions import db, limiter
from app.models import Invoice
from app.services.invoices import void_invoice
from app.services.payments import record_manual_payment
from app.services.links import public_url
from tests import factories
from tests.browser_support import chromium, live_server, phone_page  # noqa: F401  (fixtures)
from tests.invoice_helpers import draft_for

pytestmark = pytest.mark.browser

ZONE = "America/New_York"
EXPIRED = "This page had expired; it has been refreshed. Tap again."


@pytest.fixture
def jo(app):
    """Jo's week: Ana (two sessions), Ben, and Cleo, who has not agreed to texts."""
    trainer = factories.make_trainer(email="jo@example.com", name="Jo Okafor", business_name="Okafor Performance",
                                     timezone=ZONE)
    clients = {name: factories.make_client(trainer, name=name, **extra) for name, extra in
               (("Ana Alvarez", {}), ("Ben Ito", {}), ("Cleo Park", {"sms_consent": False}))}
    for name, days in (("Ana Alvarez", (1, 2)), ("Ben Ito", (1,)), ("Cleo Park", (1,))):
        for d in days:
            factories.make_session(clients[name], days_ago=d, rate_cents=8000)
    return trainer, clients


def _open_card(page, name):
    card = page.locator("details.draft", has=page.locator("summary", has_text=name))
    card.locator("summary.draft-summary").tap()
    return card


def _forget_errors(page, *expected) -> None:
    """Chromium logs a failed request as a console error: here it is the point of the test."""
    page.errors[:] = [e for e in page.errors if not any(x in e for x in expected)]


def _sent_total(client) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Invoice.total_cents).where(Invoice.client_id == client.id,
                                                               Invoice.status == "open"))


def test_a_price_typed_then_send_pressed_at_once_bills_the_new_price(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    trainer, clients = jo
    page.log_in("jo@example.com")
    page.goto("/invoices/create")
    with page.expect_navigation():
        page.click("#bill-now")  # Bill now builds the drafts

    ana = _open_card(page, "Ana Alvarez")
    first = ana.locator("ul.lines > li").first
    expect(first).to_contain_text(re.compile(r"\d{1,2}:\d\d [AP]M · 60 min"))  # the time of day
    price = first.get_by_label("Price")
    price.fill("95")
    page.snap_at(first, "price-typed")
    page.locator("#send-button").tap()  # at once: the price was never saved by a button

    expect(page.get_by_role("heading", name="Sending 3 invoices")).to_be_visible()
    assert _sent_total(clients["Ana Alvarez"]) == 9500 + 8000
    page.snap("sent-with-the-new-price")


def test_send_says_which_edit_is_not_saved_instead_of_dropping_it(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    trainer, clients = jo
    page.log_in("jo@example.com")
    page.goto("/invoices/create")
    with page.expect_navigation():
        page.click("#bill-now")  # Bill now builds the drafts
    ben = _open_card(page, "Ben Ito")
    line = ben.locator("ul.lines > li").first
    line_id = line.get_attribute("id")
    line.locator("a.line-row").tap()
    line = page.locator(f"#{line_id}")
    line.get_by_label("Description").fill("Personal training, outdoors")

    page.locator("#send-button").tap()

    alert = page.locator("#batch-bar .request-error")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("Ben Ito: the change to “Personal training”")
    expect(alert).to_contain_text("is not saved. Save or cancel it, then send.")
    expect(page.get_by_role("heading", name="Create invoices")).to_be_visible()
    page.snap_at(line, "send-held")
    line.get_by_role("button", name="Save").tap()
    expect(line.locator(".line-row")).to_contain_text("Personal training, outdoors")
    expect(alert).to_have_count(0)
    page.locator("#send-button").tap()
    expect(page.get_by_role("heading", name="Sending 3 invoices")).to_be_visible()


def test_no_charge_is_one_tap_and_a_tap_right_after_a_typed_price_still_counts(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    trainer, clients = jo
    page.log_in("jo@example.com")
    page.goto("/invoices/create")
    with page.expect_navigation():
        page.click("#bill-now")  # Bill now builds the drafts
    ana = _open_card(page, "Ana Alvarez")
    lines = ana.locator("ul.lines > li")
    lines.nth(0).get_by_label("Price").fill("95")
    lines.nth(1).get_by_label("No charge").tap()  # the price is saved on the way, then this

    ana_id = ana.get_attribute("id").removeprefix("draft-")
    expect(page.locator(f"#draft-total-{ana_id}")).to_have_text("$95.00")
    expect(lines.nth(1).locator(".badge")).to_have_text("Complimentary")
    lines.nth(1).get_by_label("Reason, shown to the client (optional)").fill("Birthday session")
    lines.nth(1).get_by_label("Reason, shown to the client (optional)").press("Tab")
    expect(lines.nth(1).locator(".badge")).to_have_text("Complimentary: Birthday session")
    expect(page.locator("#send-button")).to_contain_text("Send 3 invoices · $255.00")
    page.snap_at(lines.nth(1), "no-charge-in-one-tap")
    draft = draft_for(clients["Ana Alvarez"])
    assert [(line.unit_price_cents, line.no_charge) for line in draft.lines] == [(9500, False), (8000, True)]


def test_a_stale_form_after_logging_in_again_in_another_tab_says_so_renews_and_keeps_the_edit(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    trainer, clients = jo
    page.log_in("jo@example.com")
    page.goto("/invoices/create")
    with page.expect_navigation():
        page.click("#bill-now")  # Bill now builds the drafts
    ana = _open_card(page, "Ana Alvarez")

    other = page.context.new_page()  # a second tab: log out and in again, which starts a new session
    other.goto(page.base_url + "/settings/")  # Log out sits at the end of Settings
    other.get_by_role("button", name="Log out").click()
    other.get_by_label("Email").fill("jo@example.com")
    other.get_by_label("Password").fill(factories.PASSWORD)
    other.get_by_role("button", name="Log in").click()
    expect(other.get_by_role("heading", name=re.compile(r"^Hi "))).to_be_visible()
    other.close()

    first = ana.locator("ul.lines > li").first
    first.get_by_label("Price").fill("95")
    first.get_by_label("Price").press("Tab")
    alert = first.get_by_role("alert")
    expect(alert).to_have_text(EXPIRED)
    _forget_errors(page, "status of 400", "Response Status Error Code 400")
    page.snap_at(first, "expired")
    assert draft_for(clients["Ana Alvarez"]).total_cents == 16000  # nothing saved with the stale token

    second = ana.locator("ul.lines > li").nth(1)
    second.get_by_label("No charge").tap()  # the next tap works with the renewed token
    expect(second.locator(".badge")).to_have_text("Complimentary")
    page.locator("#send-button").tap()  # and Send saves the price that failed first
    expect(page.get_by_role("heading", name="Sending 3 invoices")).to_be_visible()
    assert _sent_total(clients["Ana Alvarez"]) == 9500


def test_no_connection_on_a_save_says_so_and_send_tries_it_again(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    trainer, clients = jo
    page.log_in("jo@example.com")
    page.goto("/invoices/create")
    with page.expect_navigation():
        page.click("#bill-now")  # Bill now builds the drafts
    ben = _open_card(page, "Ben Ito")
    page.route("**/charge", lambda route: route.abort("internetdisconnected"))

    line = ben.locator("ul.lines > li").first
    line.get_by_label("Price").fill("70")
    line.get_by_label("Price").press("Tab")

    expect(line.get_by_role("alert")).to_have_text(
        "No connection: this was not saved. Check your signal, then tap again.")
    _forget_errors(page, "ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest")
    page.snap_at(line, "offline")
    page.unroute("**/charge")
    page.locator("#send-button").tap()
    expect(page.get_by_role("heading", name="Sending 3 invoices")).to_be_visible()
    assert _sent_total(clients["Ben Ito"]) == 7000


@pytest.fixture
def failing_actions(app):
    """A test-only page whose buttons reach a route that raises (a 500) and one behind a real limit."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the app answers 500 itself, as in production

    def boom():
        raise RuntimeError("a bug")

    def limited():
        return "<p id='ok'>Done</p>"

    app.add_url_rule("/test-only/boom", "test_boom", boom, methods=["POST"])
    app.add_url_rule("/test-only/limited", "test_limited", limiter.limit("1 per minute")(limited), methods=["POST"])
    app.add_url_rule("/test-only/actions", "test_actions", lambda: render_template_string(
        '{% extends "base.html" %}{% block content %}<h1>Actions</h1>'
        '<form hx-post="/test-only/boom" hx-swap="none"><button class="button" type="submit">Boom</button></form>'
        '<form hx-post="/test-only/limited" hx-target="#limited-out"><button class="button" type="submit">Limited</button></form>'
        '<div id="limited-out"></div>'
        '{% endblock %}'))


def test_a_server_error_and_a_rate_limit_on_an_in_page_action_are_shown_where_it_was(failing_actions, phone_page):
    from playwright.sync_api import expect
    page = phone_page
    page.goto("/test-only/actions")

    page.get_by_role("button", name="Boom").tap()
    boom = page.locator("form[hx-post='/test-only/boom'] + .request-error")
    expect(boom).to_have_text("Something went wrong on our side and nothing was changed. Tap again, or reload the page.")
    page.get_by_role("button", name="Limited").tap()
    expect(page.locator("#ok")).to_have_text("Done")
    page.get_by_role("button", name="Limited").tap()
    limited = page.locator("form[hx-post='/test-only/limited'] + .request-error")
    expect(limited).to_have_text("Too many tries in a short time. Wait a minute, then tap again.")
    expect(page.get_by_role("alert")).to_have_count(2)
    _forget_errors(page, "status of 500", "status of 429", "Response Status Error Code")
    page.snap("errors-shown")


def test_who_will_not_be_texted_is_shown_before_send_and_fixed_in_one_tap(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    trainer, clients = jo
    factories.make_session(factories.make_client(trainer, name="Dee Lund", mobile=None), rate_cents=5000)
    page.log_in("jo@example.com")
    page.goto("/invoices/create")
    with page.expect_navigation():
        page.click("#bill-now")  # Bill now builds the drafts

    summary = page.locator("#not-texted")
    expect(summary.get_by_role("heading")).to_have_text("2 invoices will not be texted")
    expect(summary).to_contain_text("Cleo Park The client has not agreed to receive texts.")
    expect(summary).to_contain_text("Dee Lund No mobile number on file.")
    send = page.locator("#send-button")
    expect(send).to_have_text("Send 4 invoices · $370.00 · 2 not texted")
    page.snap("not-texted-before-send")

    summary.get_by_role("link", name="Fix texting for Cleo Park").tap()
    expect(page.get_by_role("heading", name="Edit Cleo Park")).to_be_visible()
    page.get_by_label("Agreed to receive invoices by text").check()
    page.get_by_role("button", name="Save").tap()

    expect(page.get_by_role("heading", name="Create invoices")).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("1 invoice will not be texted")
    expect(summary).not_to_contain_text("Cleo Park")
    expect(send).to_have_text("Send 4 invoices · $370.00 · 1 not texted")
    page.snap("consent-fixed")


def test_a_link_to_share_by_hand_is_shown_whole_with_copy_and_share(phone_page, jo, run_worker, fake_twilio):
    from playwright.sync_api import expect
    page = phone_page
    trainer, clients = jo
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.log_in("jo@example.com")
    page.goto("/invoices/create")
    with page.expect_navigation():
        page.click("#bill-now")  # Bill now builds the drafts
    page.locator("#send-button").tap()
    # The worker runs in burst mode: start it only once Send has queued the texts.
    expect(page.get_by_role("heading", name=re.compile(r"^(Sending|Sent) 3 invoices"))).to_be_visible()
    run_worker()

    expect(page.get_by_role("heading", name="Sent 3 invoices")).to_be_visible(timeout=6_000)
    expect(page.locator("#batch-status")).to_contain_text("All done: every text has gone out, or says below why not.")
    expect(page.locator("#batch-status")).not_to_contain_text("settled")
    box = page.locator(".link-box")
    expect(box).to_have_count(1)
    cleo = db.session.scalar(select(Invoice).where(Invoice.client_id == clients["Cleo Park"].id))
    link = public_url(cleo)
    expect(box.locator(".link-text")).to_have_text(link)
    assert box.locator(".link-text").evaluate("el => el.scrollWidth <= el.clientWidth"), "the link is cut off"
    expect(box.get_by_role("button", name=re.compile("^Share"))).to_be_hidden()  # no share sheet here
    box.get_by_role("button", name=re.compile("^Copy")).tap()
    expect(box.locator(".copied")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.snap("link-copied")

    # A phone with a share sheet (Web Share API): the Share button hands it the whole link.
    page.add_init_script("navigator.share = (data) => { window.__shared = data; return Promise.resolve(); };")
    page.goto(f"/invoices/{cleo.id}")
    share = page.locator(".link-box").get_by_role("button", name=re.compile("^Share"))
    expect(share).to_be_visible()
    share.tap()
    assert page.evaluate("window.__shared.url") == link
    page.snap("invoice-link-share")


def test_a_paid_invoice_is_texted_again_only_as_a_copy_once_asked(app, phone_page, jo):
    from playwright.sync_api import expect
    app.config["RESEND_MIN_INTERVAL_SECONDS"] = 0  # texted a moment ago; the resend interval is tested elsewhere
    page = phone_page
    trainer, clients = jo
    from tests.invoice_helpers import submit_drafts
    submit_drafts(trainer.id, "k1")
    ana = db.session.scalar(select(Invoice).where(Invoice.client_id == clients["Ana Alvarez"].id))
    record_manual_payment(trainer.id, ana.id, "Jo", amount_cents=16000, method="cash", received_on=date.today())
    page.log_in("jo@example.com")
    page.goto(f"/invoices/{ana.id}")

    expect(page.get_by_role("button", name="Text the invoice again")).to_have_count(0)
    ask = page.locator("#resend-copy")
    ask.locator("summary").tap()
    expect(ask).to_contain_text("The text is a copy marked paid, with nothing to pay: not a new bill.")
    page.snap_at(ask, "copy-asked")
    ask.get_by_role("button", name="Yes, text the paid copy").tap()
    expect(page.get_by_role("status")).to_have_text("Copy queued, marked paid.")


def test_a_voided_invoice_comes_back_as_a_draft_with_its_adjustments(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    trainer, clients = jo
    page.log_in("jo@example.com")
    page.goto("/invoices/create")
    with page.expect_navigation():
        page.click("#bill-now")  # Bill now builds the drafts
    ana = _open_card(page, "Ana Alvarez")
    lines = ana.locator("ul.lines > li")
    lines.nth(0).get_by_label("Price").fill("95")
    lines.nth(1).get_by_label("No charge").tap()
    expect(lines.nth(1).locator(".badge")).to_have_text("Complimentary")
    page.locator("#send-button").tap()
    expect(page.get_by_role("heading", name="Sending 3 invoices")).to_be_visible()
    sent = db.session.scalar(select(Invoice).where(Invoice.client_id == clients["Ana Alvarez"].id))
    void_invoice(trainer.id, sent.id, "Jo", "Wrong week")

    page.goto("/invoices/create")
    with page.expect_navigation():
        page.click("#bill-now")  # Bill now builds the drafts
    ana = _open_card(page, "Ana Alvarez")
    expect(ana.locator("summary.draft-summary")).to_contain_text("$95.00")
    expect(ana.locator(".from-void")).to_have_text(["from void INV-0001"] * 2)
    expect(lines.nth(1).locator(".badge")).to_have_text("Complimentary")
    page.snap_at(ana, "back-from-void")
