"""Downloading the PDF invoice and receipt: from the trainer's invoice page, and from the client's link with
no account, with the link's own 404 and rate limit."""
import pytest

from app.extensions import db
from app.models import Invoice
from app.services import invoices, links
from app.services.drafts import sync_drafts
from app.services.invoice_views import views_of
from tests import factories
from tests.pdf_helpers import pay, pdf_text, sent_invoice


@pytest.fixture
def owner(app):
    return factories.make_trainer(business_name="Ñandú Fitness")


def test_the_trainer_downloads_her_invoice_inline_under_its_number(app, logged_in, trainer):
    invoice = sent_invoice(trainer)

    response = logged_in.get(f"/invoices/{invoice.id}/pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="INV-0001.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert "Total $100.00" in pdf_text(response.data)


def test_her_invoice_page_links_the_pdf_and_once_paid_the_receipt(app, logged_in, trainer):
    invoice = sent_invoice(trainer)
    before = logged_in.get(f"/invoices/{invoice.id}").data.decode()
    pay(invoice, 1000)
    after = logged_in.get(f"/invoices/{invoice.id}").data.decode()
    receipt = logged_in.get(f"/invoices/{invoice.id}/receipt/pdf")

    assert f'href="/invoices/{invoice.id}/pdf">Invoice PDF<' in before and "receipt-pdf" not in before
    assert f'href="/invoices/{invoice.id}/receipt/pdf">Receipt PDF<' in after
    assert receipt.headers["Content-Disposition"] == 'inline; filename="INV-0001-receipt.pdf"'
    assert "Amount received $10.00" in pdf_text(receipt.data)


def test_no_receipt_before_anything_is_paid_and_no_pdf_of_a_draft(app, logged_in, trainer):
    invoice = sent_invoice(trainer)
    factories.make_session(factories.make_client(trainer))
    [draft] = sync_drafts(trainer.id)

    assert logged_in.get(f"/invoices/{invoice.id}/receipt/pdf").status_code == 404
    assert logged_in.get(f"/invoices/{draft.id}/pdf").status_code == 404


def test_another_trainers_pdfs_are_404(app, logged_in):
    other = factories.make_trainer()
    invoice = sent_invoice(other)
    pay(invoice, 1000)

    assert logged_in.get(f"/invoices/{invoice.id}/pdf").status_code == 404
    assert logged_in.get(f"/invoices/{invoice.id}/receipt/pdf").status_code == 404


def _link(invoice) -> str:
    return links.public_url(db.session.get(Invoice, invoice.id)).replace("http://spotter.test", "")


def test_the_client_downloads_the_pdfs_from_her_link_with_no_account(app, owner):
    invoice = sent_invoice(owner)
    stranger = app.test_client()
    path = _link(invoice)
    page = stranger.get(path).data.decode()
    pay(invoice, 10000)

    pdf = stranger.get(f"{path}/pdf")
    receipt = stranger.get(f"{path}/receipt/pdf")
    paid_page = stranger.get(path).data.decode()

    assert f'href="{path}/pdf">Invoice PDF<' in page and "receipt-pdf" not in page
    assert f'href="{path}/receipt/pdf">Receipt PDF<' in paid_page
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == 'inline; filename="INV-0001.pdf"'
    assert pdf.headers["Cache-Control"] == "no-store" and pdf.headers["X-Robots-Tag"] == "noindex"
    assert "Status Paid" in pdf_text(pdf.data)
    assert "Status Paid in full" in pdf_text(receipt.data)


def test_a_bad_or_revoked_link_gets_the_same_404_for_the_pdf_as_for_the_page(app, logged_in, trainer):
    invoice = sent_invoice(trainer)
    path = _link(invoice)
    stranger = app.test_client()
    logged_in.post(f"/invoices/{invoice.id}/link/revoke")

    answers = [stranger.get(p) for p in (f"{path}/pdf", f"{path}/receipt/pdf", "/i/" + "x" * 44 + "/pdf",
                                        "/i/short/pdf", "/i/" + "x" * 44)]

    assert {a.status_code for a in answers} == {404}
    assert len({a.data for a in answers}) == 1


def test_a_cancelled_invoices_link_still_gives_its_pdf_marked_cancelled(app, owner):
    invoice = sent_invoice(owner)
    path = _link(invoice)
    invoices.void_invoice(owner.id, invoice.id, "t", "Wrong client")
    stranger = app.test_client()

    page = stranger.get(path).data.decode()
    text = pdf_text(stranger.get(f"{path}/pdf").data)

    assert f'href="{path}/pdf">Invoice PDF (cancelled)<' in page
    assert "CANCELLED" in text and "Wrong client" not in text
    assert stranger.get(f"{path}/receipt/pdf").status_code == 404


def test_the_pdfs_have_the_pages_per_ip_limit_and_are_not_views(app, owner):
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    invoice = sent_invoice(owner)
    pay(invoice, 1000)
    path = _link(invoice)
    stranger = app.test_client()
    address = {"REMOTE_ADDR": "10.9.9.9"}

    pdfs = [stranger.get(f"{path}/pdf", environ_base=address).status_code for _ in range(4)]
    receipts = [stranger.get(f"{path}/receipt/pdf", environ_base=address).status_code for _ in range(4)]
    other_ip = stranger.get(f"{path}/pdf", environ_base={"REMOTE_ADDR": "10.9.9.8"}).status_code

    assert pdfs == receipts == [200, 200, 200, 429]
    assert other_ip == 200
    assert views_of(db.session.get(Invoice, invoice.id)).count == 0
