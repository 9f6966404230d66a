"""The PDF invoice and receipt: what they say, read back from the file as a viewer reads it."""
from datetime import date, datetime, timezone

import pytest

from app.extensions import db
from app.models import Invoice, PaymentMethod
from app.services import invoices, payments
from app.services.drafts import sync_drafts
from app.services.pdf_documents import NoDocument, invoice_pdf, receipt_pdf
from tests import factories
from tests.pdf_helpers import A4, CLIENT_NAME, LETTER, pay, paper_size, pdf_pages, pdf_text, sent_invoice

BUSINESS, TRAINER_NAME = "Ñandú Fitness", "Zoë Ødegaard"


@pytest.fixture
def owner(app):
    return factories.make_trainer(business_name=BUSINESS, name=TRAINER_NAME)


def test_the_invoice_pdf_reads_back_names_lines_totals_payments_and_balance(owner):
    invoice = sent_invoice(owner)
    pay(invoice, 4000, on=date(2026, 3, 9))

    text = pdf_text(invoice_pdf(invoice.id))

    assert "INVOICE" in text and "INV-0001" in text
    assert BUSINESS in text and TRAINER_NAME in text and CLIENT_NAME in text  # accents, as typed
    assert "Unpaid" in text
    assert f"Issued {_day(invoice.issue_date)}" in text and f"Due {_day(invoice.due_date)}" in text
    assert text.count("Personal training") == 2 and "$80.00" in text and "Complimentary: Birthday" in text
    assert "Resistance bands" in text and "2 × $12.50" in text and "$25.00" in text
    assert "Loyalty discount" in text and "−$5.00" in text  # a real minus sign
    assert "Total $100.00" in text and "Paid $40.00" in text and "Balance due $60.00" in text
    assert "Mar 9, 2026 Cash $40.00" in text
    assert "Thank you for training with us, Lucía!" in text


def _day(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def test_a_paid_invoice_says_paid_and_when_in_the_trainers_zone(owner):
    invoice = sent_invoice(owner)
    pay(invoice, 10000)
    # Paid at 02:30 UTC on the 4th: still the 3rd in New York, her zone.
    db.session.get(Invoice, invoice.id).paid_at = datetime(2026, 3, 4, 2, 30, tzinfo=timezone.utc)
    db.session.commit()

    text = pdf_text(invoice_pdf(invoice.id))

    assert "Status Paid" in text and "Paid on Mar 3, 2026" in text
    assert "Balance due $0.00" in text


def test_the_receipt_lists_what_was_received_how_and_when_and_what_is_left(owner):
    invoice = sent_invoice(owner)
    pay(invoice, 3000, method=PaymentMethod.venmo, on=date(2026, 3, 5))
    pay(invoice, 1000, on=date(2026, 3, 6))

    partly = pdf_text(receipt_pdf(invoice.id))
    pay(invoice, 6000, on=date(2026, 3, 7))
    in_full = pdf_text(receipt_pdf(invoice.id))

    assert "RECEIPT" in partly and "Receipt for invoice INV-0001" in partly and CLIENT_NAME in partly
    assert "Mar 5, 2026 Venmo $30.00" in partly and "Mar 6, 2026 Cash $10.00" in partly
    assert "Amount received $40.00" in partly and "Balance due $60.00" in partly
    assert "Paid in full" not in partly
    assert "Amount received $100.00" in in_full and "Status Paid in full" in in_full
    assert "Mar 7, 2026 Cash $60.00" in in_full and "Balance due $0.00" in in_full


def test_a_refund_comes_off_the_payment_on_the_receipt(owner):
    invoice = sent_invoice(owner)
    pay(invoice, 10000, on=date(2026, 3, 5))
    [payment] = payments.payments_for(invoice.id)
    payments.refund_manual_payment(owner.id, invoice.id, payment.id, "t", amount_cents=2500, reason="Bands returned")
    db.session.expire_all()

    text = pdf_text(receipt_pdf(invoice.id))

    assert "Mar 5, 2026 Cash $75.00" in text and "Amount received $75.00" in text
    assert "Balance due $25.00" in text


def test_nothing_paid_no_receipt_and_a_draft_has_no_pdf_at_all(owner):
    invoice = sent_invoice(owner)
    factories.make_session(factories.make_client(owner, name="Still Drafting"))
    [draft] = sync_drafts(owner.id)

    with pytest.raises(NoDocument):
        receipt_pdf(invoice.id)
    with pytest.raises(NoDocument):
        invoice_pdf(draft.id)
    with pytest.raises(NoDocument):
        invoice_pdf(10**6)


def test_a_void_invoice_pdf_says_cancelled_and_nothing_is_due(owner):
    invoice = sent_invoice(owner)
    pay(invoice, 4000)
    invoices.void_invoice(owner.id, invoice.id, "t", "Billed the wrong client")
    db.session.expire_all()

    text = pdf_text(invoice_pdf(invoice.id))

    assert "CANCELLED" in text and f"This invoice was cancelled by {BUSINESS}. There is nothing to pay." in text
    assert f"If you paid for it already, {BUSINESS} will refund you." in text
    assert "Status Cancelled" in text and "Due (cancelled) $0.00" in text
    assert "Billed the wrong client" not in text  # her reason is for her books
    with pytest.raises(NoDocument):
        receipt_pdf(invoice.id)


@pytest.mark.parametrize("mobile, currency, paper", [
    ("+14155550100", "USD", LETTER), ("+16135550100", "CAD", LETTER), ("+447700900123", "GBP", A4),
    ("+33612345678", "EUR", A4), (None, "USD", LETTER), (None, "CAD", LETTER), (None, "EUR", A4),
    (None, "AUD", A4),
], ids=["US", "CA", "GB", "FR", "no mobile, USD", "no mobile, CAD", "no mobile, EUR", "no mobile, AUD"])
def test_letter_paper_in_the_us_and_canada_a4_elsewhere(app, mobile, currency, paper):
    trainer = factories.make_trainer(mobile=mobile, currency=currency, verified=mobile is not None)

    assert paper_size(invoice_pdf(sent_invoice(trainer).id)) == paper


def test_a_long_invoice_carries_its_table_heading_and_page_numbers_onto_the_next_page(owner):
    invoice = sent_invoice(owner, sessions=45)

    pages = pdf_pages(invoice_pdf(invoice.id))

    assert len(pages) == 2
    assert all("DESCRIPTION" in page and "AMOUNT" in page for page in pages)
    assert "INV-0001 · Ñandú Fitness · Page 1 of 2" in pages[0] and "Page 2 of 2" in pages[1]
    assert sum(page.count("Personal training") for page in pages) == 45
    assert "Total $3,540.00" in pages[1]


def test_letters_the_font_lacks_are_left_out_and_the_rest_still_prints(app):
    trainer = factories.make_trainer(business_name="Kim 金 Fitness 💪", name="Kim")

    text = pdf_text(invoice_pdf(sent_invoice(trainer, client_name="Ελένη Иванова").id))

    assert "Kim Fitness" in text and "Ελένη Иванова" in text and "Total $100.00" in text


def test_a_name_typed_with_a_separate_accent_prints_as_one_letter(app):
    trainer = factories.make_trainer(business_name="Jose\u0301 Training")  # "e" then a combining acute

    assert "José Training" in pdf_text(invoice_pdf(sent_invoice(trainer).id))
