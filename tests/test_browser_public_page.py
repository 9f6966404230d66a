"""What the client's page says in each state, on a phone-size Chromium: one Venmo button that opens the app
on a phone, her trainer's name and number to text, a paid invoice (how and when), an invoice with nothing to
pay, and a cancelled one."""
from datetime import date, timedelta

import pytest

from app.models import PaymentMethod
from app.services.invoices import void_invoice
from app.services.links import token_for
from app.services.payments import record_manual_payment
from app.timefmt import local_date
from tests import factories
from tests.browser_support import PHONE, PhonePage, chromium, live_server, phone_page  # noqa: F401  (fixtures)
from tests.invoice_helpers import bill_client
from tests.user_agents import IPHONE

pytestmark = pytest.mark.browser

BUSINESS = "Okafor Performance"


@pytest.fixture
def trainer(app):
    return factories.make_trainer(email="jo@example.com", name="Jo Okafor", business_name=BUSINESS,
                                  mobile="+14155550123", venmo_handle="okafor-pc", clients_may_text=True,
                                  timezone="America/New_York")


@pytest.fixture
def iphone(chromium, live_server, request):
    """The client's own iPhone: Safari says so in its User-Agent."""
    context = chromium.new_context(viewport=PHONE, screen=PHONE, is_mobile=True, has_touch=True,
                                   device_scale_factor=2, locale="en-US", timezone_id="America/New_York",
                                   user_agent=IPHONE)
    context.set_default_timeout(10_000)
    yield PhonePage(context.new_page(), live_server, request.node.name)
    context.close()


def test_on_an_iphone_one_venmo_button_opens_the_app_and_her_trainer_is_a_tap_away(iphone, trainer):
    from playwright.sync_api import expect
    invoice = bill_client(trainer, "Ana Alvarez", sessions=2)

    iphone.goto(f"/i/{token_for(invoice)}")

    venmo = iphone.locator("a[href*=venmo]")
    expect(venmo).to_have_count(1)
    expect(venmo).to_have_text("Pay $160.00 with Venmo")
    assert venmo.get_attribute("href").startswith("venmo://paycharge?")
    contact = iphone.locator("#contact")
    expect(contact).to_contain_text(f"Questions about this invoice? Ask Jo Okafor at {BUSINESS}.")
    expect(contact.locator("#text-trainer")).to_have_text("Text Jo at (415) 555-0123")
    expect(contact.locator("#text-trainer")).to_have_attribute("href", "sms:+14155550123")
    iphone.snap("open")


def test_paid_nothing_to_pay_and_cancelled_invoices_say_so_plainly(phone_page, trainer):
    from playwright.sync_api import expect
    page = phone_page

    # Paid: when and how, one payment a line.
    paid = bill_client(trainer, "Ben Ito", sessions=2)
    yesterday = date.today() - timedelta(days=1)
    for cents, method, day in ((6000, PaymentMethod.cash, yesterday), (10000, PaymentMethod.venmo, date.today())):
        record_manual_payment(trainer.id, paid.id, trainer.name, amount_cents=cents, method=method, received_on=day)
    page.goto(f"/i/{token_for(paid)}")
    expect(page.locator("#public-status")).to_have_text("Paid")
    expect(page.locator("#paid-note")).to_have_text("Paid in full. Thank you!")
    expect(page.locator("#paid-with > li")).to_have_text([
        f"$60.00 in cash on {local_date(yesterday)}", f"$100.00 by Venmo on {local_date(date.today())}"])
    expect(page.locator("#venmo-pay, #card-pay, #venmo-done")).to_have_count(0)
    page.snap("paid")

    # Every session complimentary: no due date, and "Nothing to pay".
    free = bill_client(trainer, "Cleo Park", sessions=1, comp=0)
    page.goto(f"/i/{token_for(free)}")
    expect(page.locator("#public-status")).to_have_text("Nothing to pay")
    expect(page.locator(".public-invoice .meta")).not_to_contain_text("due")
    expect(page.locator("#nothing-to-pay")).to_have_text("Nothing to pay")
    expect(page.locator("#paid-note")).to_have_count(0)
    expect(page.locator(".public-invoice")).to_contain_text("Complimentary: Birthday session")
    page.snap("nothing-to-pay")

    # Cancelled: who cancelled it, and whom to ask; never "mistyped".
    cancelled = bill_client(trainer, "Dev Shah", sessions=1)
    void_invoice(trainer.id, cancelled.id, trainer.name, "Billed the wrong client")
    page.goto(f"/i/{token_for(cancelled)}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"This invoice was cancelled by {BUSINESS}")
    expect(page.locator("#public-status")).to_have_text("Cancelled")
    expect(page.locator("#cancelled")).to_contain_text("There is nothing to pay.")
    expect(page.locator("#cancelled")).not_to_contain_text("mistyped")
    expect(page.locator("#text-trainer")).to_have_text("Text Jo at (415) 555-0123")
    page.snap("cancelled")
