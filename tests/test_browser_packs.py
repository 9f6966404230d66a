"""A pack on a phone: the trainer adds a 10-pack to her plans, sells it from the client's page, sends it,
logs a session that the pack covers, and the client's page shows what is left."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceStatus
from app.services.links import public_url
from tests import factories
from tests.browser_support import chromium, live_server, phone_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture
def jo(app):
    trainer = factories.make_trainer(email="jo@example.com", name="Jo Okafor", business_name="Okafor Performance",
                                     timezone="America/New_York")
    return trainer, factories.make_client(trainer, name="Mia Moreno", default_rate_cents=8000)


def _latest_invoice(client) -> Invoice:
    db.session.expire_all()
    return db.session.scalars(select(Invoice).where(Invoice.client_id == client.id,
                                                    Invoice.status != InvoiceStatus.draft)
                              .order_by(Invoice.id.desc())).first()


def test_a_pack_sold_on_a_phone_covers_a_session_and_the_client_sees_her_balance(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    trainer, mia = jo
    page.log_in("jo@example.com")

    page.goto("/settings/plans")
    form = page.locator("#pack-form")
    form.get_by_label("Name").fill("10-pack")
    form.get_by_label("Sessions").fill("10")
    form.get_by_label("Price").fill("700")
    form.get_by_label("Valid for (days)").fill("90")
    page.snap("new-pack-typed")
    form.get_by_role("button", name="Add pack").tap()
    expect(page.locator("#packs")).to_contain_text("10 sessions · $700.00 · valid 90 days from the sale")
    page.snap("pack-in-the-catalogue")

    page.goto(f"/clients/{mia.id}")
    page.locator("#sell-pack-form").get_by_role("button", name="Sell a pack").tap()
    expect(page.locator(".flash")).to_contain_text("Pack added to Mia Moreno's invoice")
    page.snap("pack-sold")

    page.goto("/invoices/create")
    with page.expect_navigation():
        page.locator("#bill-now").tap()  # Bill now builds the drafts; opening the page only reads them
    expect(page.locator("#send-button")).to_contain_text("Send 1 invoice · $700.00")
    page.locator("#send-button").tap()
    expect(page.get_by_role("heading", name=re.compile("Sending 1 invoice"))).to_be_visible()

    page.goto(f"/clients/{mia.id}")
    expect(page.locator("#client-packs")).to_contain_text("10 of 10 sessions left, valid until")
    page.get_by_role("link", name=re.compile(r"Log session")).tap()
    session_form = page.locator("#session-form")
    session_form.get_by_label("Start").fill("2026-11-30T09:00")
    page.snap("session-for-the-pack-client")
    session_form.get_by_role("button", name="Log session").tap()
    expect(page.locator("#client-packs")).to_contain_text("9 of 10 sessions left")
    page.snap("client-page-after-a-covered-session")

    page.goto("/invoices/create")
    with page.expect_navigation():
        page.locator("#bill-now").tap()  # Bill now builds the drafts; opening the page only reads them
    card = page.locator("details.draft", has=page.locator("summary", has_text="Mia Moreno"))
    card.locator("summary.draft-summary").tap()
    expect(card).to_contain_text("Covered by 10-pack · 9 left · expires")
    page.snap_at(card, "covered-line-on-the-draft")
    page.locator("#send-button").tap()
    expect(page.get_by_role("heading", name=re.compile("Sending 1 invoice"))).to_be_visible()

    page.goto(public_url(_latest_invoice(mia)).replace("http://spotter.test", ""))
    expect(page.locator("#public-packs")).to_contain_text("10-pack: 9 of 10 sessions left, valid until")
    expect(page.locator("#pay")).to_contain_text("covered by your pack")
    page.snap("client-sees-her-balance")
