"""The PDF invoice and receipt on a phone-size Chromium: the client's and the trainer's pages offer them as
thumb-sized buttons, and what a tap opens is the invoice, named by its number."""
from datetime import date

import pytest

from app.models import PaymentMethod
from app.services.links import token_for
from app.services.payments import record_manual_payment
from tests import factories
from tests.browser_support import chromium, live_server, phone_page  # noqa: F401  (fixtures)
from tests.invoice_helpers import bill_client
from tests.pdf_helpers import LETTER, paper_size, pdf_text

pytestmark = pytest.mark.browser


@pytest.fixture
def trainer(app):
    return factories.make_trainer(email="lucia@example.com", name="Lucía Fernández", business_name="Fernández Strength")


def _opened(page, button) -> tuple[str, bytes]:
    """Taps the button, which opens the PDF in the browser's viewer; returns the name it would be saved
    under, and the PDF itself (fetched again with the page's cookies: the viewer keeps no copy to read)."""
    with page.expect_response(lambda response: response.url.endswith("/pdf")) as opened:
        button.tap()
    response = opened.value
    assert response.ok and response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline; ")  # shown by the phone's viewer, not only saved
    body = page.context.request.get(response.url).body()
    page.go_back()
    # Chromium's PDF viewer asks the site for its icon, which Spotter has none of: not an error of the page.
    page.errors[:] = [error for error in page.errors if "/favicon.ico" not in error]
    return disposition.split('filename="')[1].rstrip('"'), body


def test_the_client_taps_invoice_pdf_and_then_once_paid_receipt_pdf(phone_page, trainer):
    from playwright.sync_api import expect
    page = phone_page
    invoice = bill_client(trainer, "Zoë Łukasiewicz", sessions=2)

    page.goto(f"/i/{token_for(invoice)}")
    expect(page.locator("#invoice-pdf")).to_have_text("Invoice PDF")
    expect(page.locator("#receipt-pdf")).to_have_count(0)
    page.snap("open")
    name, body = _opened(page, page.locator("#invoice-pdf"))

    assert name == "INV-0001.pdf" and paper_size(body) == LETTER
    text = pdf_text(body)
    assert "Fernández Strength" in text and "Zoë Łukasiewicz" in text and "Balance due $160.00" in text

    record_manual_payment(trainer.id, invoice.id, trainer.name, amount_cents=16000, method=PaymentMethod.venmo,
                          received_on=date(2026, 3, 2))
    page.reload()
    expect(page.locator("#receipt-pdf")).to_have_text("Receipt PDF")
    page.snap("paid")
    name, body = _opened(page, page.locator("#receipt-pdf"))

    assert name == "INV-0001-receipt.pdf"
    assert "Mar 2, 2026 Venmo $160.00" in pdf_text(body) and "Paid in full" in pdf_text(body)


def test_the_trainer_downloads_the_invoice_and_receipt_from_her_invoice_page(phone_page, trainer):
    from playwright.sync_api import expect
    page = phone_page
    invoice = bill_client(trainer, "Ann Archer", sessions=3)
    record_manual_payment(trainer.id, invoice.id, trainer.name, amount_cents=8000, method=PaymentMethod.cash,
                          received_on=date(2026, 3, 2))
    page.log_in(trainer.email)

    page.goto(f"/invoices/{invoice.id}")
    expect(page.locator("#pdf-links .button")).to_have_text(["Invoice PDF", "Receipt PDF"])
    page.snap("invoice")
    _, invoice_body = _opened(page, page.locator("#invoice-pdf"))
    name, receipt_body = _opened(page, page.locator("#receipt-pdf"))

    assert "Paid $80.00" in pdf_text(invoice_body) and "Balance due $160.00" in pdf_text(invoice_body)
    assert name == "INV-0001-receipt.pdf" and "Amount received $80.00" in pdf_text(receipt_body)
