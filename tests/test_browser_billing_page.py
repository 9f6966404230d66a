"""A client's billing page on a phone: the trainer sends the link from the client's page, and the client
opens it and sees what she owes, her credit on account and what is left of her pack."""
import re
from datetime import date

import pytest

from app.extensions import db
from app.models import Client, PaymentMethod
from app.services import client_accounts
from app.services.links import billing_page_token, ensure_billing_page_link
from tests.browser_support import chromium, live_server, phone_page  # noqa: F401  (fixtures)
from tests.invoice_helpers import bill_client
from tests.test_packs_client_view import pack_client_with_a_covered_session

pytestmark = pytest.mark.browser


def test_the_trainer_sends_the_link_and_the_client_sees_balance_credit_and_pack_left(phone_page, trainer):
    from playwright.sync_api import expect
    page = phone_page
    invoice, _lot = pack_client_with_a_covered_session(trainer)  # a $700 10-pack, 3 sessions covered
    client_accounts.record_client_payment(trainer.id, invoice.client_id, "t", amount_cents=75000,
                                          method=PaymentMethod.venmo, received_on=date.today())
    page.log_in(trainer.email)

    page.goto(f"/clients/{invoice.client_id}")
    section = page.locator("#billing-link")
    section.get_by_role("button", name="Send billing page link").tap()
    expect(page.locator(".flash")).to_contain_text("Billing page link texted to Nina.")
    expect(section.locator(".link-text")).to_contain_text("/b/")
    page.snap_at(section, "link-sent")

    db.session.expire_all()
    page.goto(f"/b/{billing_page_token(db.session.get(Client, invoice.client_id))}")
    expect(page.get_by_role("heading", name="Hi Nina, here is your billing")).to_be_visible()
    expect(page.locator("#billing-balance")).to_have_text("$0.00")
    expect(page.locator("#billing-credit")).to_have_text("$50.00")
    expect(page.locator("#billing-packs")).to_contain_text(re.compile(r"10-pack: 7 of 10 sessions left, valid until"))
    expect(page.locator("#billing-payments")).to_contain_text("$750.00")
    page.snap("client-in-credit")


def test_a_client_who_owes_sees_her_open_invoice_and_opens_it(phone_page, trainer):
    from playwright.sync_api import expect
    page = phone_page
    invoice = bill_client(trainer, "Ann Archer", sessions=2)  # $160.00
    client = ensure_billing_page_link(trainer.id, invoice.client_id)

    page.goto(f"/b/{billing_page_token(client)}")
    expect(page.locator("#billing-balance")).to_have_text("$160.00")
    expect(page.locator("#billing-open")).to_contain_text("$160.00")
    page.snap("client-owing")
    page.locator("#billing-open").get_by_role("link", name="INV-0001").tap()
    expect(page.locator("#public-due")).to_have_text("$160.00")
