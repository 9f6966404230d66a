"""A failed auto-pay charge on a phone: the dashboard says why and when the card is tried next, the trainer
presses Retry now after the client topped up, and the payment lands."""
import pytest

from app.extensions import db
from app.models import Invoice, InvoiceStatus
from app.services import autopay_charges
from tests import factories
from tests.autopay_helpers import autopay_invoice, customer_of
from tests.browser_support import chromium, live_server, phone_page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_a_failed_card_payment_is_retried_from_the_dashboard_on_a_phone(phone_page, fake_stripe, run_worker):
    from playwright.sync_api import expect
    page = phone_page
    trainer = factories.make_trainer(email="jo@example.com", name="Jo Okafor", business_name="Okafor Performance",
                                     timezone="America/New_York")
    trainer.stripe_account_id = fake_stripe.add_account()
    trainer.stripe_charges_enabled = trainer.stripe_details_submitted = True
    db.session.commit()
    invoice, stripe_id = autopay_invoice(fake_stripe, card_result="insufficient_funds", trainer=trainer)
    autopay_charges.charge(invoice.id, 1)
    page.log_in("jo@example.com")

    page.goto("/dashboard")
    failed = page.locator("#failed-payments")
    expect(failed).to_contain_text("The bank declined: not enough funds")
    expect(failed).to_contain_text("Next try")
    page.snap("failed-payment-on-the-dashboard")

    fake_stripe.card_results[customer_of(fake_stripe, stripe_id)] = "ok"
    failed.get_by_role("button", name="Retry now").tap()
    expect(page.locator(".flash")).to_contain_text("Charging the card now.")
    run_worker()
    page.goto(f"/clients/{invoice.client_id}")
    expect(page.locator("#autopay")).to_contain_text("Visa •4242")
    page.snap("client-auto-pay-after-the-retry")
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.paid
    assert fake_stripe.charges_made(stripe_id) == 1
