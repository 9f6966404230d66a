"""Invoicing on a phone-size Chromium: adjust drafts in place, send, watch the texts go out, get paid."""
import re
import time

import pytest

from app.extensions import db
from app.models import Invoice
from app.services.links import public_url
from tests import factories
from tests.browser_support import PHONE, PhonePage, chromium, live_server, local_path, phone_page  # noqa: F401  (fixtures)
from tests.invoice_helpers import draft_for

pytestmark = pytest.mark.browser

ZONE = "America/New_York"
RATE = 8000






def _card(page, name):
    return page.locator("details.draft", has=page.locator("summary", has_text=name))


def _card_id(card) -> int:
    return int(card.get_attribute("id").removeprefix("draft-"))






def _reloaded(page) -> bool:
    """False while the marker set by _mark survives: proof the page was never reloaded."""
    return page.evaluate("window.__spotterMarker !== 'no reload'")


def _mark(page) -> None:
    page.evaluate("window.__spotterMarker = 'no reload'")


# Sessions per client, in name order. Cleo cannot be texted, so her invoice comes with a link to share.
CLIENTS = [("Ana Alvarez", 3), ("Ben Ito", 2), ("Cleo Park", 1), ("Dev Shah", 2),
           ("Eli Novak", 1), ("Fay Olsen", 1), ("Gus Moreau", 2), ("Hana Sato", 1)]


@pytest.fixture
def trainer_with_a_week_to_bill(app):
    trainer = factories.make_trainer(email="jo@example.com", name="Jo Okafor", business_name="Okafor Performance",
                                     timezone=ZONE, default_rate_cents=RATE, venmo_handle="okafor-pc")
    clients = {}
    for name, sessions in CLIENTS:
        extra = {"sms_consent": False} if name == "Cleo Park" else {}
        client = factories.make_client(trainer, name=name, **extra)
        for n in range(sessions):
            factories.make_session(client, days_ago=1 + 1.5 * n, rate_cents=RATE)
        clients[name] = client
    return trainer, clients


def test_trainer_adjusts_drafts_in_place_sends_them_and_watches_the_texts_go_out(
        phone_page, trainer_with_a_week_to_bill, run_worker, fake_twilio, chromium, live_server):
    from playwright.sync_api import expect
    page = phone_page
    trainer, clients = trainer_with_a_week_to_bill
    page.log_in("jo@example.com")

    page.tab("Invoices").click()
    expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
    page.get_by_role("button", name="Create invoices").click()
    expect(page.get_by_role("heading", name="Create invoices")).to_be_visible()
    cards = page.locator("details.draft")
    expect(cards).to_have_count(8)
    expect(page.locator("details.draft[open]")).to_have_count(0)
    send = page.locator("#send-button")
    expect(send).to_have_text("Send 8 invoices · $1,040.00 · 1 not texted")
    _mark(page)
    page.snap("create")

    # Open Ana's card and tap her first session: htmx swaps the line's edit form in.
    ana = _card(page, "Ana Alvarez")
    ana_id = _card_id(ana)
    ana_total = page.locator(f"#draft-total-{ana_id}")
    expect(ana.locator("summary.draft-summary")).to_contain_text("3 sessions")
    expect(ana_total).to_have_text("$240.00")
    ana.locator("summary.draft-summary").tap()
    expect(ana).to_have_attribute("open", "")
    lines = ana.locator("ul.lines > li")
    expect(lines).to_have_count(3)
    first = lines.nth(0)
    first_id = first.get_attribute("id")
    first.locator("a.line-row").tap()
    first = page.locator(f"#{first_id}")
    expect(first).to_have_class(re.compile(r"\bediting\b"))
    price = first.get_by_label("Price")
    expect(price).to_have_value("80.00")
    page.snap_at(first, "line-editing")

    price.fill("95")
    first.get_by_role("button", name="Save").tap()
    expect(ana_total).to_have_text("$255.00")
    expect(first).not_to_have_class(re.compile(r"\bediting\b"))
    expect(first.locator(".line-row .amount")).to_have_text("$95.00")
    expect(send).to_have_text("Send 8 invoices · $1,055.00 · 1 not texted")
    assert not _reloaded(page), "saving a line reloaded the page"
    page.snap("price-changed")

    # The second session is on the house, with a reason the client will see.
    second = page.locator(f"#{lines.nth(1).get_attribute('id')}")
    second.locator("a.line-row").tap()
    second.get_by_label("No charge (complimentary)").check()
    second.get_by_label("Reason, shown to the client (optional)").fill("Birthday session")
    second.get_by_role("button", name="Save").tap()
    expect(second.locator(".badge")).to_have_text("Complimentary: Birthday session")
    expect(second.locator(".line-row .amount")).to_have_class(re.compile(r"\bstruck\b"))
    expect(ana_total).to_have_text("$175.00")
    expect(send).to_have_text("Send 8 invoices · $975.00 · 1 not texted")

    # A discount line.
    ana.locator("details.sub > summary", has_text="Add a fee, product or discount").tap()
    add = ana.locator("form", has=page.get_by_role("button", name="Add line"))
    add.get_by_label("Description").fill("Loyalty discount")
    add.get_by_label("Price").fill("-10")
    page.snap_at(add, "discount-form")
    add.get_by_role("button", name="Add line").tap()
    expect(lines).to_have_count(4)
    expect(lines.nth(3)).to_contain_text("Loyalty discount")
    expect(lines.nth(3).locator(".amount")).to_have_text("−$10.00")
    expect(ana_total).to_have_text("$165.00")
    expect(send).to_have_text("Send 8 invoices · $965.00 · 1 not texted")
    assert not _reloaded(page), "adding a line reloaded the page"
    page.snap("complimentary-and-discount")

    # Take one of Dev's sessions off, then add it back.
    dev = _card(page, "Dev Shah")
    dev_id = _card_id(dev)
    dev.locator("summary.draft-summary").tap()
    dev_line = page.locator(f"#{dev.locator('ul.lines > li').nth(0).get_attribute('id')}")
    dev_line.locator("a.line-row").tap()
    dev_line.get_by_role("button", name="Remove").tap()
    expect(dev_line).to_have_class(re.compile(r"\bremoved\b"))
    expect(page.locator(f"#draft-total-{dev_id}")).to_have_text("$80.00")
    expect(send).to_have_text("Send 8 invoices · $885.00 · 1 not texted")
    page.snap_at(dev, "line-removed")
    dev_line.get_by_role("button", name="Add back").tap()
    expect(dev_line).not_to_have_class(re.compile(r"\bremoved\b"))
    expect(page.locator(f"#draft-total-{dev_id}")).to_have_text("$160.00")
    expect(send).to_have_text("Send 8 invoices · $965.00 · 1 not texted")

    # Leave Ben out of this batch: his draft waits for next time.
    ben = _card(page, "Ben Ito")
    ben.locator("summary.draft-summary").tap()
    ben.get_by_role("button", name="Leave out of this batch").tap()
    expect(ben.get_by_role("button", name="Include in this batch")).to_be_visible()
    expect(ben.locator("summary.draft-summary")).to_contain_text("left out")
    expect(ben).to_have_class(re.compile(r"\bleft-out\b"))
    expect(send).to_have_text("Send 7 invoices · $805.00 · 1 not texted")
    assert not _reloaded(page), "leaving a client out reloaded the page"
    page.snap_at(ben, "client-left-out")

    # Send: the batch page lists every invoice, its text queued (or why it cannot be texted).
    send.tap()
    expect(page.get_by_role("heading", name="Sending 7 invoices")).to_be_visible()
    status = page.locator("#batch-status")
    rows = status.locator("li.batch-row")
    expect(rows).to_have_count(7)
    expect(status).to_have_attribute("data-pending", "yes")
    expect(status).to_have_attribute("hx-trigger", "every 2s")
    expect(rows.filter(has_text="Queued")).to_have_count(6)
    cleo_row = rows.filter(has_text="Cleo Park")
    expect(cleo_row).to_contain_text("Not texted")
    expect(rows.filter(has_text="Ben Ito")).to_have_count(0)
    cleo_link = cleo_row.locator(".link-box .link-text").inner_text()
    assert cleo_link.startswith("http://spotter.test/i/")
    page.snap("batch-queued")

    # A real RQ worker sends the texts (through the Twilio SDK to a fake Twilio, which accepts them:
    # "Sent", final until a delivery report). The page polls every 2 seconds, shows them, then stops.
    _mark(page)
    polls = []
    page.on("request", lambda r: polls.append(time.monotonic()) if "/invoices/batches/" in r.url else None)
    run_worker()
    sent_at = time.monotonic()
    expect(status.locator(".badge.status-sent")).to_have_count(6, timeout=5_000)
    expect(rows.filter(has_text="Sent")).to_have_count(6)
    assert len(fake_twilio.messages) == 6
    expect(status).to_have_attribute("data-pending", "no")
    assert time.monotonic() - sent_at < 5
    assert not status.evaluate("el => el.hasAttribute('hx-trigger') || el.hasAttribute('hx-get')")
    expect(status).to_contain_text("All done: every text has gone out, or says below why not.")
    expect(page.get_by_role("heading", name="Sent 7 invoices")).to_be_visible()
    expect(cleo_row).to_contain_text("Not texted")
    assert not _reloaded(page), "the batch status reloaded the page instead of swapping in place"
    page.snap("batch-sent")
    settled_polls = len(polls)
    page.wait_for_timeout(4_500)  # two more polling intervals
    assert len(polls) == settled_polls, "the batch page kept polling after every text was final"

    # The clients' side: the link opens the invoice on a phone that is not logged in.
    ana_invoice = db.session.get(Invoice, ana_id)
    ana_link = public_url(ana_invoice)
    context = chromium.new_context(viewport=PHONE, screen=PHONE, is_mobile=True, has_touch=True,
                                   device_scale_factor=2, locale="en-US", timezone_id=ZONE)
    try:
        client_phone = PhonePage(context.new_page(), live_server, "client_opens_the_invoice_link")
        client_phone.goto(local_path(ana_link))
        expect(client_phone.get_by_role("heading", name=re.compile(r"^Hi Ana, here is invoice"))).to_be_visible()
        expect(client_phone.locator("#public-status")).to_have_text("Unpaid")
        expect(client_phone.locator(".public-invoice")).to_contain_text("Complimentary: Birthday session")
        expect(client_phone.locator(".public-invoice")).to_contain_text("Loyalty discount")
        expect(client_phone.locator("#public-due")).to_have_text("$165.00")
        expect(client_phone.locator(".tabbar")).to_have_count(0)
        client_phone.snap("ana")
        client_phone.goto(local_path(cleo_link))
        expect(client_phone.get_by_role("heading", name=re.compile(r"^Hi Cleo, here is invoice"))).to_be_visible()
        expect(client_phone.locator("#public-due")).to_have_text("$80.00")
        client_phone.snap("cleo")
    finally:
        context.close()

    # The invoice list: outstanding, filters and search.
    page.tab("Invoices").click()
    expect(page.locator("#outstanding")).to_have_text("$805.00")
    listed = page.locator("#invoice-list > li")
    expect(listed).to_have_count(7)
    expect(page.locator(".filters .chip.on")).to_have_text("Open")
    page.snap("invoices-open")
    page.get_by_label("Search by client").fill("alvarez")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("Ana Alvarez")
    expect(listed.first).to_contain_text("$165.00")
    page.snap("invoices-search")
    page.locator(".filters").get_by_role("link", name="Paid").click()
    expect(page.locator(".filters .chip.on")).to_have_text("Paid")
    expect(listed).to_have_text(["No invoices here."])

    # One invoice: its lines, texts and history, and a payment recorded by hand.
    page.locator(".filters").get_by_role("link", name="Open").click()
    listed.filter(has_text="Ana Alvarez").click()
    expect(page.locator("#invoice-status")).to_have_text("Open")
    expect(page.locator("#invoice-total")).to_have_text("$165.00")
    expect(page.locator("#texts")).to_contain_text("Sent")
    history = page.locator("#history")
    expect(history).to_contain_text("$80.00 → $95.00")
    expect(history).to_contain_text("Birthday session")
    expect(history).to_contain_text("Loyalty discount")
    page.locator("details.card > summary", has_text="Record a payment").tap()
    expect(page.get_by_label("Amount")).to_have_value("165.00")
    page.get_by_label("Method").select_option("venmo")
    page.get_by_label("Note").fill("Thanks!")
    page.snap_at(page.locator("#payments"), "invoice-detail")
    page.get_by_role("button", name="Record payment").tap()
    expect(page.get_by_role("status")).to_have_text("Payment recorded.")
    expect(page.locator("#invoice-status")).to_have_text("Paid")
    expect(page.locator("#invoice-due")).to_have_text("$0.00")
    expect(page.locator("#payments")).to_contain_text("Venmo")
    page.snap("invoice-paid")

    page.tab("Invoices").click()
    expect(page.locator("#outstanding")).to_have_text("$640.00")
    page.locator(".filters").get_by_role("link", name="Paid").click()
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("Paid")
    page.snap("invoices-paid")

    # Ben's draft is still waiting, and the others are billed.
    assert draft_for(clients["Ben Ito"]) is not None
    assert draft_for(clients["Ana Alvarez"]) is None


@pytest.fixture
def trainer_with_thirty_clients(app):
    trainer = factories.make_trainer(email="busy@example.com", name="Sam Busy", business_name="Busy Bodies",
                                     timezone=ZONE, default_rate_cents=RATE)
    names = [f"Client {i:02d}" for i in range(1, 30)] + ["Zoë Maximiliana Konstantinopoulou-Vanderbilt"]
    total = 0
    for i, name in enumerate(names):
        client = factories.make_client(trainer, name=name)
        for n in range(1 + i % 4):
            factories.make_session(client, days_ago=1 + n, rate_cents=RATE + 500 * (i % 3))
            total += RATE + 500 * (i % 3)
    return trainer, total


def test_thirty_clients_stay_one_compact_card_each_with_the_send_bar_in_thumb_reach(
        phone_page, trainer_with_thirty_clients):
    from playwright.sync_api import expect
    page = phone_page
    trainer, total = trainer_with_thirty_clients
    page.log_in("busy@example.com")
    page.goto("/invoices/create")
    with page.expect_navigation():
        page.click("#bill-now")  # Bill now builds the drafts

    cards = page.locator("details.draft")
    expect(cards).to_have_count(30)
    expect(page.locator("details.draft[open]")).to_have_count(0)
    expect(page.locator("#send-button")).to_have_text(f"Send 30 invoices · ${total // 100:,}.{total % 100:02d}")
    summaries = page.locator("details.draft > summary")
    heights = summaries.evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert max(heights) <= 90, f"client cards are not compact: {max(heights)}px tall"
    shown = summaries.evaluate_all("""els => els.map(e => [e.querySelector('strong').innerText,
        e.querySelector('.muted').innerText, e.querySelector('.amount').innerText])""")
    assert all(name and re.fullmatch(r"\d+ sessions?", count) and amount.startswith("$")
               for name, count, amount in shown), shown
    first = summaries.first
    expect(first).to_contain_text("Client 01")
    expect(first).to_contain_text("1 session")
    expect(first.locator(".amount")).to_have_text("$80.00")
    page.snap("thirty-clients")

    geometry = """() => {
        const bar = document.getElementById('batch-bar').getBoundingClientRect();
        const tabs = document.querySelector('.tabbar').getBoundingClientRect();
        const cards = document.querySelectorAll('details.draft');
        const last = cards[cards.length - 1].getBoundingClientRect();
        return {barTop: bar.top, barBottom: bar.bottom, tabsTop: tabs.top, lastBottom: last.bottom,
                position: getComputedStyle(document.getElementById('batch-bar')).position,
                innerHeight: window.innerHeight};
    }"""
    for where in ("0", "document.documentElement.scrollHeight"):
        page.evaluate(f"window.scrollTo(0, {where})")
        g = page.evaluate(geometry)
        assert g["position"] == "fixed"
        assert abs(g["barBottom"] - g["tabsTop"]) <= 1, f"the send bar is not just above the tab bar: {g}"
        assert g["barTop"] >= g["innerHeight"] - 160, f"the send bar is out of thumb reach: {g}"
    assert g["lastBottom"] <= g["barTop"], f"the send bar covers the last card at the bottom: {g}"

    # The last card, opened at the bottom of the page: its last control clears the send bar too.
    last = cards.last
    expect(last.locator("summary.draft-summary")).to_contain_text("Konstantinopoulou-Vanderbilt")
    last.locator("summary.draft-summary").tap()
    expect(last).to_have_attribute("open", "")
    expect(last.locator("ul.lines > li")).to_have_count(2)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    covered = page.evaluate("""() => {
        const bar = document.getElementById('batch-bar').getBoundingClientRect();
        const button = [...document.querySelectorAll('details.draft')].pop()
            .querySelector('.include-toggle button').getBoundingClientRect();
        return button.bottom - bar.top;
    }""")
    assert covered <= 0, f"the send bar covers the last card's 'Leave out' button by {covered}px"
    page.snap("thirty-clients-last-open")
