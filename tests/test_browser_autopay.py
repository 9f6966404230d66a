"""Auto-pay on a phone-size Chromium: the client pays her invoice and saves the card, and her trainer's
client page shows "Auto-pay: Visa •4242"."""
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AutopayCard
from app.services.links import public_url
from tests.browser_support import PHONE, PhonePage, chromium, live_server, local_path, phone_page  # noqa: F401  (fixtures)
from tests.invoice_helpers import bill_client
from tests.stripe_helpers import WEBHOOK_SECRET, connected_trainer

pytestmark = pytest.mark.browser

ZONE = "America/New_York"


def test_client_pays_and_saves_her_card_and_her_trainer_sees_autopay(phone_page, fake_stripe, chromium, live_server):
    from playwright.sync_api import expect
    trainer = connected_trainer(fake_stripe, email="jo@example.com", name="Jo Okafor",
                                business_name="Okafor Performance", timezone=ZONE, default_rate_cents=8000)
    invoice = bill_client(trainer, "Ana Alvarez", sessions=2)

    # The client opens her invoice link and chooses to save the card she pays with.
    page = phone_page
    page.goto(local_path(public_url(invoice)))
    save = page.locator("#card-pay-save")
    expect(save).to_have_text("Pay and save this card for next time")
    page.snap("invoice")
    save.tap()
    page.wait_for_url(re.compile(re.escape(fake_stripe.url) + r"/c/pay/"))
    [session] = fake_stripe.sessions_on(trainer.stripe_account_id)
    assert session["customer"] and session["setup_future_usage"] == "off_session"

    # She pays with Stripe's test Visa on Checkout, and comes back to Spotter.
    fake_stripe.complete_session(session["id"])
    page.goto(local_path(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])))
    expect(page.get_by_role("heading", level=1)).to_have_text("Paid in full. Thank you!")
    # Stripe's own word comes too, signed: the same card, stored once.
    completed = fake_stripe.event("checkout.session.completed", session["id"])
    assert fake_stripe.send_event(f"{live_server}/webhooks/stripe", completed, WEBHOOK_SECRET) == (200, "processed")
    assert db.session.scalar(select(func.count(AutopayCard.id))) == 1
    page.goto(local_path(public_url(invoice)))
    expect(page.locator("#autopay-on")).to_contain_text("Auto-pay is on")
    expect(page.locator("#autopay-on")).to_contain_text("Visa •4242")
    expect(page.locator("#card-pay-save")).to_have_count(0)
    page.snap("invoice-paid-autopay-on")

    # Her trainer, on her own phone: the client list and the client page say so.
    context = chromium.new_context(viewport=PHONE, screen=PHONE, is_mobile=True, has_touch=True,
                                   device_scale_factor=2, locale="en-US", timezone_id=ZONE)
    context.set_default_timeout(10_000)
    trainer_page = PhonePage(context.new_page(), live_server, "trainer-autopay")
    try:
        trainer_page.log_in(trainer.email)
        trainer_page.goto("/clients/")
        row = trainer_page.locator("#client-list li", has_text="Ana Alvarez")
        expect(row.locator(".autopay-badge")).to_have_text("Auto-pay")
        trainer_page.snap("client-list")
        row.locator("a").tap()
        status = trainer_page.locator("#autopay-status")
        expect(status).to_contain_text("Auto-pay: Visa •4242 · expires 12/28")
        client_url = trainer_page.page.url
        trainer_page.snap_at(trainer_page.locator("#autopay"), "client-page")

        # Back on her phone, she turns auto-pay off from the invoice: no login, a plain confirmation.
        page.locator("#autopay-off").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Auto-pay is off. You'll get a link for each invoice.")
        page.snap("autopay-off")
        page.locator("#autopay-off-done a").tap()
        expect(page.locator("#autopay")).to_have_attribute("data-state", "off")
        expect(page.locator("#autopay-save")).to_have_text("Save a card for auto-pay")
        page.snap("autopay-page")

        # Her trainer sees it off, and can send her the link to turn it on again.
        trainer_page.goto(client_url)
        expect(status).to_contain_text("Auto-pay: off")
        expect(trainer_page.locator("#send-autopay-link")).to_have_text("Set up auto-pay")
        trainer_page.locator("#autopay-link summary").tap()
        trainer_page.snap_at(trainer_page.locator("#autopay"), "client-page-autopay-off")
    finally:
        context.close()
