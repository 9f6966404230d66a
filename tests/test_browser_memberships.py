"""A membership on a phone: the trainer starts one on a client's page with a prorated first cycle, bills it
with Bill now, sees its line and period on the draft, sends it, and the client's page shows the period
the invoice covers and the sessions it includes."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceStatus
from app.services import plans
from app.services.links import public_url
from tests import factories
from tests.browser_support import chromium, live_server, phone_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture
def jo(app):
    trainer = factories.make_trainer(email="jo@example.com", name="Jo Okafor", business_name="Okafor Performance",
                                     timezone="America/New_York")
    plans.create_membership_plan(trainer.id, name="8 a month", price_cents=48000, cadence="monthly",
                                 anchor_day=15, included_sessions=8, extra_session_cents=7000)
    return trainer, factories.make_client(trainer, name="Mia Moreno", default_rate_cents=8000)


def _sent_invoice(client) -> Invoice:
    db.session.expire_all()
    return db.session.scalar(select(Invoice).where(Invoice.client_id == client.id,
                                                   Invoice.status != InvoiceStatus.draft))


def test_a_membership_started_on_a_phone_is_billed_prorated_and_the_client_sees_its_period(phone_page, jo):
    from playwright.sync_api import expect
    page = phone_page
    trainer, mia = jo
    # Next November 20th: its cycle runs from the 15th for 30 days, so the 25 days from the 20th are
    # exactly $400.00 and 8 × 25/30 = 6.67 sessions, 7 rounded half up; and no renewal is due before it.
    start = date(date.today().year + 1, 11, 20)
    page.log_in("jo@example.com")

    page.goto(f"/clients/{mia.id}")
    form = page.locator("#start-membership-form")
    form.get_by_label("Membership").select_option(label="8 a month")
    form.get_by_label("Starts on").fill(start.isoformat())
    form.get_by_label("First cycle").select_option(label="prorated from the start day")
    page.snap_at(form, "membership-form-filled")
    form.get_by_role("button", name="Start membership").tap()
    expect(page.locator(".flash")).to_contain_text("Membership started: its first cycle is on Mia Moreno's invoice")
    expect(page.locator("#client-membership")).to_contain_text("8 a month")
    expect(page.locator("#client-membership")).to_contain_text("Next renewal: Dec 15")
    page.snap_at(page.locator("#client-membership"), "membership-started")

    page.goto("/invoices/create")
    with page.expect_navigation():
        page.locator("#bill-now").tap()  # Bill now builds the drafts; opening the page only reads them
    expect(page.locator("#send-button")).to_contain_text("Send 1 invoice · $400.00")
    card = page.locator("details.draft", has=page.locator("summary", has_text="Mia Moreno"))
    expect(card.locator("summary.draft-summary")).to_contain_text("1 line")  # no sessions on it: "0 sessions" says nothing
    card.locator("summary.draft-summary").tap()
    line = card.locator(".line", has_text="Membership · 8 a month")
    expect(line).to_contain_text("Membership · 8 a month · Nov 20 – Dec 14 (prorated)")
    expect(card).to_contain_text("$400.00")
    page.snap_at(card, "membership-line-on-the-draft")
    page.locator("#send-button").tap()
    expect(page.get_by_role("heading", name=re.compile("Sending 1 invoice"))).to_be_visible()

    page.goto(public_url(_sent_invoice(mia)).replace("http://spotter.test", ""))
    section = page.locator("#public-membership")
    expect(section).to_contain_text("This invoice covers 8 a month · Nov 20 – Dec 14 (prorated)")
    expect(section).to_contain_text("7 sessions included")
    expect(page.locator("#public-due")).to_contain_text("$400.00")
    page.snap_at(section, "client-sees-the-membership-period")
