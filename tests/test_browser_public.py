"""The client's side on a phone-size Chromium: the invoice link, Venmo, Pay by card, printing; and what
the trainer sees of it (the dashboard, the invoice's link and payments, the Stripe settings)."""
import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceStatus, InvoiceView, MessageStatus, OutboxMessage, PaymentMethod, Trainer
from app.services.invoices import void_invoice
from app.services.links import public_url, token_for
from app.services.payments import record_manual_payment
from app.timefmt import day_and_time, local_date
from tests import factories
from tests.browser_support import PHONE, PhonePage, chromium, live_server, local_path, phone_page  # noqa: F401  (fixtures)
from tests.invoice_helpers import bill_client
from tests.stripe_helpers import card_payments, connected_trainer

pytestmark = pytest.mark.browser

ZONE = "America/New_York"
BUSINESS = "Okafor Performance"
HANDLE = "okafor-pc"
RATE = 8000
# What every public page must never show: a control the client (or a printer) should not see.
_VISIBLE_CONTROLS_JS = """() => [...document.querySelectorAll('button, .button, input:not([type=hidden]), select, form')]
    .filter(el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .map(el => `${el.tagName.toLowerCase()} "${(el.innerText || el.value || '').trim().slice(0, 30)}"`)"""
_TOTALS_JS = """dl => [...dl.querySelectorAll('dt')].map(dt => [dt.innerText.trim(), dt.nextElementSibling.innerText.trim()])"""




def _phone(chromium, live_server, name: str) -> PhonePage:
    """Another phone: a context of its own (its own cookies), closed with the test's browser."""
    context = chromium.new_context(viewport=PHONE, screen=PHONE, is_mobile=True, has_touch=True,
                                   device_scale_factor=2, locale="en-US", timezone_id=ZONE)
    context.set_default_timeout(10_000)
    return PhonePage(context.new_page(), live_server, name)






def _open_expected_error_page(page, path: str, status: int):
    """page.goto for a page that answers with an error status on purpose (a 404, a refused payment):
    Chromium reports that status as a console error, which is the point here, not a fault."""
    response = page.page.goto(page.base_url + path)
    assert response is not None and response.status == status, f"GET {path} answered {response and response.status}"
    _forget_status_error(page, status)
    return response


def _forget_status_error(page, status: int) -> None:
    expected = f"the server responded with a status of {status}"
    page.errors[:] = [e for e in page.errors if expected not in e]


def _views_line(invoice_id: int) -> str:
    """What the trainer's invoice page says of the views, in her zone, from the rows themselves."""
    views = db.session.scalars(select(InvoiceView).where(InvoiceView.invoice_id == invoice_id)
                               .order_by(InvoiceView.viewed_at.desc())).all()
    return f"Viewed {len(views)}× · " + ", ".join(day_and_time(v.viewed_at, ZONE) for v in views[:3])


@pytest.fixture
def card_trainer(app, fake_stripe):
    return connected_trainer(fake_stripe, email="jo@example.com", name="Jo Okafor", business_name=BUSINESS,
                             timezone=ZONE, default_rate_cents=RATE, venmo_handle=HANDLE)


def test_client_opens_her_link_pays_and_sees_it_paid_in_full(
        phone_page, card_trainer, fake_stripe, chromium, live_server):
    from playwright.sync_api import expect
    trainer = card_trainer
    invoice = bill_client(trainer, "Ana Alvarez", sessions=3, comp=1)
    record_manual_payment(trainer.id, invoice.id, trainer.name, amount_cents=2500, method=PaymentMethod.cash,
                          received_on=invoice.issue_date)
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert (invoice.number, invoice.total_cents, invoice.paid_cents) == (1, 16000, 2500)
    lines = sorted(invoice.live_lines, key=lambda line: line.service_date)
    path = local_path(public_url(invoice))

    # The client: a phone that has never logged in to Spotter.
    page = phone_page
    page.goto(path)
    sheet = page.locator(".public-invoice")
    expect(sheet.locator(".from")).to_have_text(BUSINESS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi Ana, here is invoice INV-0001")
    expect(page.locator("#public-status")).to_have_text("Unpaid")
    meta = sheet.locator(".meta")
    expect(meta).to_contain_text(f"Issued {local_date(invoice.issue_date)}")
    expect(meta).to_contain_text(f"due {local_date(invoice.due_date)}")
    assert invoice.due_date == invoice.issue_date + timedelta(days=trainer.payment_terms_days)
    rows = sheet.locator("ul.lines > li")
    expect(rows).to_have_count(3)
    for row, line in zip(rows.all(), lines):
        expect(row).to_contain_text(line.description)
        expect(row).to_contain_text(local_date(line.service_date))
        expect(row).to_contain_text("60 min")
    expect(rows.nth(1).locator(".badge")).to_have_text("Complimentary: Birthday session")
    expect(rows.nth(1).locator(".amount")).to_have_text("$0.00")
    body_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    for badge in (page.locator("#public-status"), rows.nth(1).locator(".badge")):  # no smaller than body text
        assert badge.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= body_px
    for n in (0, 2):
        expect(rows.nth(n).locator(".badge")).to_have_count(0)
        expect(rows.nth(n).locator(".amount")).to_have_text("$80.00")
    assert sheet.locator("dl.totals").evaluate(_TOTALS_JS) == [
        ["Total", "$160.00"], ["Paid so far", "$25.00"], ["Amount due", "$135.00"]]
    expect(page.locator("#public-due")).to_have_text("$135.00")
    expect(page.get_by_role("heading", name="Pay $135.00")).to_be_visible()
    expect(page.locator(".topbar, .tabbar")).to_have_count(0)
    expect(page.get_by_text("Log out")).to_have_count(0)

    # Venmo opens with the recipient, the amount due and a note naming the invoice.
    venmo = page.locator("#venmo-pay")
    expect(venmo).to_have_text("Pay $135.00 with Venmo")
    href = urlsplit(venmo.get_attribute("href"))
    assert (href.scheme, href.netloc, href.path) == ("https", "venmo.com", f"/{HANDLE}")
    assert parse_qs(href.query, strict_parsing=True) == {
        "txn": ["pay"], "amount": ["135.00"], "note": [f"INV-0001 · {BUSINESS}"]}
    expect(page.locator("a[href*=venmo]")).to_have_count(1)  # one button: Venmo's web page, as this is no phone
    expect(page.locator("#venmo-done")).to_have_text("I've paid with Venmo")
    expect(page.locator("#card-pay")).to_have_text("Pay by card")
    page.snap("open")

    # Printed, it is the invoice alone: no buttons, no forms, no "print me" hint.
    page.emulate_media(media="print")
    page.snap("print")
    assert page.evaluate(_VISIBLE_CONTROLS_JS) == []
    expect(sheet).to_be_visible()
    expect(page.locator("#public-due")).to_be_visible()
    expect(page.get_by_text("Use your browser's Print")).to_be_hidden()
    page.emulate_media(media="screen")
    expect(page.locator("#card-pay")).to_be_visible()

    # Pay by card: a Checkout session on the trainer's own account, for the amount due.
    page.locator("#card-pay").tap()
    page.wait_for_url(re.compile(re.escape(fake_stripe.url) + r"/c/pay/"))
    [session] = fake_stripe.sessions_on(trainer.stripe_account_id)
    assert page.url == session["url"]
    assert (session["amount_total"], session["currency"], session["status"]) == (13500, "usd", "open")
    expect(page.get_by_role("heading", name="Fake Checkout")).to_be_visible()

    # She goes back and pays with Venmo instead.
    page.goto(path)
    page.locator("#venmo-done").tap()
    reported = page.locator("#venmo-reported")
    expect(reported).to_contain_text(f"Payment reported, waiting for {BUSINESS} to confirm")
    [report] = [p for p in card_payments(invoice.id) if p.reported_by_client]
    expect(reported).to_contain_text(f"$135.00 by Venmo, reported {day_and_time(report.created_at, ZONE)}.")
    expect(page.locator("#public-status")).to_have_text("Payment reported")
    # Nothing on the screen invites a second payment: the ways to pay wait behind "Pay another way".
    expect(page.locator("#venmo-done")).to_have_count(0)
    expect(page.get_by_role("heading", name="Pay $135.00")).to_have_count(0)
    expect(page.locator("#venmo-pay")).to_be_hidden()
    expect(page.locator("#card-pay")).to_be_hidden()
    page.snap("venmo-reported")
    page.locator("#pay-another-way > summary").tap()
    expect(page.locator("#venmo-pay")).to_be_visible()
    expect(page.locator("#card-pay")).to_be_visible()
    page.snap("venmo-reported-pay-another-way")

    # The trainer, on her own phone, sees it waiting in "To confirm", and confirms it.
    trainer_phone = _phone(chromium, live_server, "public_trainer_confirms_venmo")
    try:
        trainer_phone.log_in("jo@example.com")
        to_confirm = trainer_phone.locator("#to-confirm")
        expect(to_confirm).to_contain_text("Ana Alvarez")
        expect(to_confirm).to_contain_text("$135.00 via Venmo")
        trainer_phone.snap("dashboard-to-confirm")
        to_confirm.get_by_role("button", name="Confirm").tap()
        expect(trainer_phone.get_by_role("status")).to_have_text("Payment confirmed.")
        expect(trainer_phone.locator("#to-confirm")).to_have_count(0)
    finally:
        trainer_phone.context.close()

    page.reload()
    expect(page.locator("#paid-note")).to_have_text("Paid in full. Thank you!")
    expect(page.locator("#public-status")).to_have_text("Paid")
    assert sheet.locator("dl.totals").evaluate(_TOTALS_JS) == [
        ["Total", "$160.00"], ["Paid so far", "$160.00"], ["Amount due", "$0.00"]]
    expect(page.locator("#venmo-pay, #venmo-done, #card-pay")).to_have_count(0)
    page.snap("paid")
    # Printed once paid, the copy says so.
    page.emulate_media(media="print")
    page.snap("paid-print")
    assert page.evaluate(_VISIBLE_CONTROLS_JS) == []
    expect(page.locator("#paid-note")).to_be_visible()
    page.emulate_media(media="screen")
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.paid

    # A link that opens nothing: the not-found page, and nothing about any invoice.
    _open_expected_error_page(page, "/i/" + "x" * len(token_for(invoice)), 404)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not open an invoice")
    expect(page.locator(".public-invoice, #pay")).to_have_count(0)
    page.snap("not-found")


def test_card_payment_pages_fit_a_phone(phone_page, card_trainer, fake_stripe):
    """Every page "Pay by card" can end on: the retry page, the refusal, and back from Checkout."""
    from playwright.sync_api import expect
    trainer = card_trainer
    invoice = bill_client(trainer, "Ben Ito", sessions=2)
    token = token_for(invoice)
    page = phone_page

    # Stripe makes the session but the answer is lost: "Please try again", and it works.
    fake_stripe.drop_session_creates = 1
    page.goto(f"/i/{token}")
    page.locator("#card-pay").tap()
    message = page.locator("#card-message")
    expect(message.get_by_role("heading", level=1)).to_have_text("Please try again")
    expect(message.locator(".from")).to_contain_text(f"Invoice INV-{invoice.number:04d}")  # which bill this was
    expect(message.get_by_role("alert")).to_contain_text("could not reach the card processor")
    expect(message.get_by_role("alert")).to_contain_text("Nothing was charged")
    _forget_status_error(page, 503)
    page.snap("card-retry")
    page.locator("#card-retry").tap()
    page.wait_for_url(re.compile(re.escape(fake_stripe.url) + r"/c/pay/"))
    [session] = fake_stripe.sessions_on(trainer.stripe_account_id)
    assert page.url == session["url"]

    # Back from Checkout before paying: "not yet", with the amount still due.
    page.goto(f"/i/{token}/paid?session_id={session['id']}")
    back = page.locator("#card-return")
    expect(back).to_have_attribute("data-outcome", "not_yet")
    expect(back.locator(".from")).to_contain_text(BUSINESS)
    expect(back.locator(".from")).to_contain_text("Invoice INV-0001")
    expect(back).to_contain_text("Amount due: $160.00")
    page.snap("card-return-not-yet")

    # A bank debit: processing.
    fake_stripe.complete_session(session["id"], async_payment=True)
    page.goto(f"/i/{token}/paid?session_id={session['id']}")
    expect(back).to_have_attribute("data-outcome", "processing")
    expect(back.get_by_role("heading", level=1)).to_have_text("Your payment is processing")
    page.snap("card-return-processing")

    # Another invoice, paid by card: "Paid in full".
    other = bill_client(trainer, "Cleo Park", sessions=1)
    other_token = token_for(other)
    page.goto(f"/i/{other_token}")
    page.locator("#card-pay").tap()
    page.wait_for_url(re.compile(re.escape(fake_stripe.url) + r"/c/pay/"))
    [paid] = [s for s in fake_stripe.sessions_on(trainer.stripe_account_id) if s["id"] != session["id"]]
    fake_stripe.complete_session(paid["id"])
    page.goto(f"/i/{other_token}/paid?session_id={paid['id']}")
    expect(back).to_have_attribute("data-outcome", "paid")
    expect(back.get_by_role("heading", level=1)).to_have_text("Paid in full. Thank you!")
    expect(back).to_contain_text(f"{BUSINESS} has received your payment for invoice INV-0002.")
    page.snap("card-return-paid")
    back.get_by_role("link", name="See the invoice").tap()
    expect(page.locator("#paid-note")).to_have_text("Paid in full. Thank you!")

    # The page was open while her trainer's card payments were switched off: a refusal, with a way back.
    third = bill_client(trainer, "Dev Shah", sessions=1)
    page.goto(f"/i/{token_for(third)}")
    db.session.get(Trainer, trainer.id).stripe_charges_enabled = False
    db.session.commit()
    page.locator("#card-pay").tap()
    expect(message.get_by_role("heading", level=1)).to_have_text("No card payment")
    expect(message.get_by_role("alert")).to_have_text(
        "Card payments are not available for this invoice. Please pay another way.")
    expect(page.locator("#card-retry")).to_have_count(0)
    _forget_status_error(page, 409)
    page.snap("card-refused")
    message.get_by_role("link", name="Back to the invoice").tap()
    expect(page.locator("#card-pay")).to_have_count(0)
    expect(page.locator("#venmo-pay")).to_be_visible()

    # Voided: at once her link says who cancelled it (not that it was mistyped), with no way to pay.
    old_token = token_for(third)
    void_invoice(trainer.id, third.id, trainer.name, "Billed the wrong client")
    page.goto(f"/i/{old_token}")
    expect(page.locator("h1")).to_have_text(f"This invoice was cancelled by {BUSINESS}")
    expect(page.locator("#public-status")).to_have_text("Cancelled")
    expect(page.locator("#venmo-pay, #card-pay, #venmo-done")).to_have_count(0)
    page.snap("void-link")
    page.goto(f"/i/{old_token}/paid")
    expect(page.locator("#card-return")).to_have_attribute("data-outcome", "void")


@pytest.fixture
def trainer_with_money_in_every_state(card_trainer, fake_stripe):
    """Open, overdue, collected, a Venmo report to confirm, a text that did not arrive, a client who
    said STOP, and a card payment on an invoice already paid (flagged for a refund)."""
    trainer = card_trainer
    open_one = bill_client(trainer, "Ana Alvarez", sessions=3, comp=0)
    overdue = bill_client(trainer, "Ben Ito", sessions=1)
    overdue.due_date = date.today() - timedelta(days=3)
    collected = bill_client(trainer, "Maximiliana Konstantinopoulou-Vanderbilt", sessions=2)
    record_manual_payment(trainer.id, collected.id, trainer.name, amount_cents=10000, method=PaymentMethod.cash,
                          received_on=collected.issue_date, note="Half now")
    failed = db.session.scalar(select(OutboxMessage).where(OutboxMessage.invoice_id == overdue.id))
    failed.status, failed.error_message = MessageStatus.undelivered, "The carrier could not deliver it."
    stopped = factories.make_client(trainer, name="Cleo Park")
    stopped.sms_opted_out_at = datetime.now(timezone.utc)
    db.session.commit()
    return trainer, open_one, overdue, collected


def test_trainer_sees_the_clients_side_on_her_dashboard_invoice_and_settings(
        phone_page, trainer_with_money_in_every_state, fake_stripe, chromium, live_server):
    from playwright.sync_api import expect
    trainer, open_one, overdue, collected = trainer_with_money_in_every_state

    # The client opens her link twice, reports a Venmo payment, and also pays the same amount by card.
    client_phone = _phone(chromium, live_server, "public_client_pays_twice")
    try:
        path = local_path(public_url(collected))
        client_phone.goto(path)
        client_phone.goto(path)
        client_phone.locator("#venmo-done").tap()
        expect(client_phone.locator("#venmo-reported")).to_be_visible()
        client_phone.locator("#pay-another-way > summary").tap()
        client_phone.locator("#card-pay").tap()
        client_phone.wait_for_url(re.compile(re.escape(fake_stripe.url) + r"/c/pay/"))
    finally:
        client_phone.context.close()
    [session] = fake_stripe.sessions_on(trainer.stripe_account_id)
    assert session["amount_total"] == 6000

    page = phone_page
    page.log_in("jo@example.com")
    attention = page.locator("#text-attention")
    expect(attention.locator("h2")).to_have_text("2 Texts need a look")
    expect(attention).to_contain_text("Ben Ito · INV-0002")
    expect(attention).to_contain_text("Undelivered: The carrier could not deliver it.")
    expect(attention).to_contain_text("Cleo Park")
    expect(attention.get_by_role("button", name="Resend")).to_have_count(1)
    expect(page.locator("#outstanding-total")).to_have_text("$300.00")  # $160 + $80 + $60 still due
    expect(page.locator("#overdue-total")).to_have_text("$80.00")
    expect(page.locator("#overdue-count")).to_have_text("1 invoice")
    expect(page.locator("#collected-month")).to_have_text("$100.00")
    to_confirm = page.locator("#to-confirm")
    expect(to_confirm).to_contain_text("Maximiliana Konstantinopoulou-Vanderbilt · $60.00 via Venmo")
    expect(to_confirm.get_by_role("button", name="Not received")).to_be_visible()
    page.snap_at(to_confirm, "dashboard")

    # The invoice list has them as a filter of their own, with their own badge.
    page.tab("Invoices").click()
    page.locator(".filters").get_by_role("link", name="Awaiting confirmation").click()
    expect(page.locator(".filters .chip.on")).to_have_text("Awaiting confirmation")
    listed = page.locator("#invoice-list > li")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("Maximiliana Konstantinopoulou-Vanderbilt")
    expect(listed.first.locator(".badge")).to_have_text("Awaiting confirmation")
    page.snap("invoices-awaiting-confirmation")
    page.tab("Home").click()

    # She confirms the Venmo payment; then the card payment lands too, on an invoice already paid.
    to_confirm.get_by_role("button", name="Confirm").tap()
    expect(page.get_by_role("status")).to_have_text("Payment confirmed.")
    fake_stripe.complete_session(session["id"])
    client_back = _phone(chromium, live_server, "public_client_back_from_checkout")
    try:
        client_back.goto(f"/i/{token_for(collected)}/paid?session_id={session['id']}")
        expect(client_back.locator("#card-return")).to_have_attribute("data-outcome", "paid")
    finally:
        client_back.context.close()
    payments = card_payments(collected.id)
    assert [p.refund_flag for p in payments] == ["", "", "The invoice was already paid: refund this payment."]

    page.goto(f"/invoices/{collected.id}")
    expect(page.locator("#invoice-status")).to_have_text("Paid")
    # Her two opens and the page after "I've paid with Venmo", each with its time; the card return is not the page.
    expect(page.locator("#view-count")).to_have_text(_views_line(collected.id))
    assert _views_line(collected.id).startswith("Viewed 3× · today ")
    page.locator("#views > summary").tap()
    expect(page.locator("#views li")).to_have_count(3)
    expect(page.locator("#views li").first).to_have_text(re.compile(r"^today \d{1,2}:\d\d [AP]M · Other$"))
    page.snap_at(page.locator("#views"), "invoice-every-view")
    link_section = page.locator("section.card", has=page.get_by_role("heading", name="Client link"))
    expect(link_section.get_by_role("button", name="New link")).to_be_visible()
    expect(link_section.get_by_role("button", name="Revoke link")).to_be_visible()
    flags = page.locator("#payments .refund-flag")
    expect(flags).to_have_text(["The invoice was already paid: refund this payment."])
    page.snap_at(page.locator("#payments"), "invoice-refund-flag")

    link_section.get_by_role("button", name="Revoke link").tap()
    expect(page.get_by_role("status")).to_have_text("Link revoked. Reissue one to share the invoice again.")
    expect(page.locator("#link-state")).to_contain_text("The client's link no longer opens this invoice.")
    page.snap("invoice-link-revoked")
    page.locator("section.card", has=page.get_by_role("heading", name="Client link")) \
        .get_by_role("button", name="New link").tap()
    expect(page.get_by_role("status")).to_have_text("New link made. The old one no longer opens the invoice.")
    expect(page.locator("#view-count")).to_have_text(re.compile(r"^Viewed 3×"))

    # Settings: her Stripe account takes cards.
    page.locator(".topbar").get_by_role("link", name="Settings").click()
    stripe_section = page.locator("#card-payments")
    expect(page.locator("#stripe-status")).to_have_attribute("data-status", "enabled")
    expect(stripe_section).to_contain_text("Charges enabled")
    page.snap_at(stripe_section, "settings-stripe-enabled")
    expect(page.locator("#stripe-disconnect")).to_be_hidden()  # one tap away from losing card payments: asks first
    page.locator("#stripe-disconnect-open").tap()
    expect(stripe_section).to_contain_text('Clients will no longer see "Pay by card"')
    page.snap_at(stripe_section, "settings-stripe-disconnect-asks")
    page.locator("#stripe-disconnect").tap()
    expect(page.locator("#stripe-status")).to_have_attribute("data-status", "not_connected")
    expect(page.locator("#stripe-connect")).to_have_text("Connect Stripe")
    page.snap_at(page.locator("#card-payments"), "settings-stripe-not-connected")
