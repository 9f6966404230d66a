"""Finalized invoices: list, detail, resend, void, and payments recorded by hand."""
from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, InvoiceStatus, OutboxMessage, Payment, TrainingSession
from app.services import payments
from app.services.links import public_url
from tests import factories
from tests.invoice_helpers import send_with_link


def _sent_invoice(browser, trainer, **client):
    return send_with_link(browser, trainer, **client)[0]


def test_list_filters_and_outstanding_total(logged_in, trainer):
    ann = _sent_invoice(logged_in, trainer, name="Ann")
    bob = _sent_invoice(logged_in, trainer, name="Bob", rates=(5000,))
    bob.due_date = date.today() - timedelta(days=3)
    db.session.commit()

    open_list = logged_in.get("/invoices/?status=open").data.decode()
    assert "Ann" in open_list and "Bob" in open_list
    assert 'id="outstanding">$210.00' in open_list
    overdue = logged_in.get("/invoices/?status=overdue").data.decode()
    assert "Bob" in overdue and "Ann</strong>" not in overdue
    assert "1 overdue" in overdue
    assert "Overdue" in overdue
    search = logged_in.get("/invoices/?status=all&q=ann", headers={"HX-Request": "true"}).data.decode()
    assert "Ann" in search and "Bob" not in search and "<html" not in search
    assert "Ann" not in logged_in.get("/invoices/?status=paid").data.decode().split("invoice-list")[1]


def test_invoices_awaiting_confirmation_have_their_own_filter_and_badge(app, logged_in, trainer):
    ann = _sent_invoice(logged_in, trainer, name="Ann")
    _sent_invoice(logged_in, trainer, name="Bob", rates=(5000,))
    payments.report_venmo_payment(ann.id)  # "I've paid with Venmo" on Ann's page

    awaiting = logged_in.get("/invoices/?status=awaiting").data.decode().split('id="invoice-list"')[1]
    open_list = logged_in.get("/invoices/?status=open").data.decode()

    assert "Ann" in awaiting and "Bob" not in awaiting
    assert '<span class="badge warn">Awaiting confirmation</span>' in awaiting
    assert '>Awaiting confirmation</a>' in open_list  # the filter chip
    bob_row = open_list.split("<strong>Bob</strong>")[1].split("</li>")[0]
    assert '<span class="badge warn">Open</span>' in bob_row
    [pending] = payments.payments_to_confirm(trainer.id)
    payments.confirm_payment(trainer.id, pending.id, "trainer")
    assert "Ann" not in logged_in.get("/invoices/?status=awaiting").data.decode().split('id="invoice-list"')[1]


def test_invoice_search_takes_percent_and_underscore_literally(logged_in, trainer):
    _sent_invoice(logged_in, trainer, name="Ann_Archer")
    _sent_invoice(logged_in, trainer, name="Bob Baker", rates=(5000,))

    def names_found(q):
        page = logged_in.get(f"/invoices/?status=all&q={q}", headers={"HX-Request": "true"}).data.decode()
        return [name for name in ("Ann_Archer", "Bob Baker") if name in page]

    assert names_found("%25") == []  # a typed %, not "anything"
    assert names_found("b_b") == []  # _ is not "any one letter"
    assert names_found("n_a") == ["Ann_Archer"]


def test_detail_shows_lines_history_texts_and_link(logged_in, trainer):
    invoice = _sent_invoice(logged_in, trainer)

    page = logged_in.get(f"/invoices/{invoice.id}").data.decode()

    assert "INV-0001" in page
    assert page.count("Personal training") == 2
    assert 'id="invoice-total">$160.00' in page
    assert "Finalized" in page
    assert "Queued" in page
    assert public_url(invoice) in page


def test_resend_adds_a_new_text_and_job(logged_in, trainer, queued_job_ids):
    invoice = _sent_invoice(logged_in, trainer)
    first = db.session.scalar(select(OutboxMessage).where(OutboxMessage.invoice_id == invoice.id))
    first.created_at -= timedelta(minutes=11)  # past the pause between texts of one invoice
    db.session.commit()

    logged_in.post(f"/invoices/{invoice.id}/resend")

    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.invoice_id == invoice.id)).all()
    assert len(messages) == 2
    assert queued_job_ids()[-1] == f"outbox-{messages[-1].id}"
    assert "Text resent" in logged_in.get(f"/invoices/{invoice.id}").data.decode()


def test_void_needs_a_reason_returns_sessions_to_the_pool_and_its_link_says_cancelled(logged_in, trainer, client):
    invoice = _sent_invoice(logged_in, trainer)
    link = public_url(invoice).replace("http://spotter.test", "")
    assert client.get(link).status_code == 200

    refused = logged_in.post(f"/invoices/{invoice.id}/void", {"reason": ""})
    assert b"Say why you are voiding this invoice." in refused.data
    logged_in.post(f"/invoices/{invoice.id}/void", {"reason": "Billed the wrong client"})

    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.void
    assert db.session.scalar(select(func.count(TrainingSession.id)).where(TrainingSession.invoice_id.is_not(None))) == 0
    cancelled = client.get(link)  # was a 404: the client now learns that the invoice was cancelled
    assert cancelled.status_code == 200 and b"This invoice was cancelled by" in cancelled.data
    create = logged_in.post("/invoices/bill", follow_redirects=True).data.decode()
    assert "Send 1 invoice · $160.00" in create


def test_partial_payments_then_paid_and_deleting_one_reopens(logged_in, trainer):
    invoice = _sent_invoice(logged_in, trainer)
    today = date.today().isoformat()

    logged_in.post(f"/invoices/{invoice.id}/payments", {"amount": "60", "method": "cash", "received_on": today})
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.open
    logged_in.post(f"/invoices/{invoice.id}/payments", {"amount": "100.00", "method": "venmo", "received_on": today})
    db.session.expire_all()
    paid = db.session.get(Invoice, invoice.id)
    assert paid.status == InvoiceStatus.paid and paid.paid_cents == 16000

    payment = db.session.scalar(select(Payment).order_by(Payment.id))
    logged_in.post(f"/invoices/{invoice.id}/payments/{payment.id}/delete", {"reason": "Counted twice"})

    db.session.expire_all()
    reopened = db.session.get(Invoice, invoice.id)
    assert reopened.status == InvoiceStatus.open and reopened.paid_cents == 10000
    history = logged_in.get(f"/invoices/{invoice.id}").data.decode()
    assert "Payment deleted" in history and "Counted twice" in history


def test_bad_payment_input_is_refused_beside_the_field(logged_in, trainer):
    invoice = _sent_invoice(logged_in, trainer)
    for amount, message in [("abc", "Enter an amount like 45 or 45.50."), ("-5", "cannot be negative"),
                            ("10.005", "at most two decimal places"), ("20000", "cannot be more than")]:
        response = logged_in.post(f"/invoices/{invoice.id}/payments",
                                  {"amount": amount, "method": "cash", "received_on": date.today().isoformat()})
        assert message in response.data.decode()
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_finalized_invoice_can_no_longer_be_edited(logged_in, trainer):
    invoice = _sent_invoice(logged_in, trainer)
    line = invoice.lines[0]

    response = logged_in.post(f"/invoices/drafts/{invoice.id}/lines/{line.id}",
                              {"version": invoice.version, "unit_price": "1", "quantity": "1",
                               "description": "x"}, htmx=True)

    assert "already sent" in response.data.decode()
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).total_cents == 16000


def test_draft_invoice_has_no_detail_page(logged_in, trainer):
    factories.make_session(factories.make_client(trainer))
    logged_in.post("/invoices/bill", follow_redirects=True)
    draft = db.session.scalar(select(Invoice))
    assert logged_in.get(f"/invoices/{draft.id}").status_code == 404
