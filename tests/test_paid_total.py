"""What was paid on an invoice is the sum of its payments, whatever arrives at the same moment."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.services.ledger import credit_cents
from app.models import Invoice, InvoiceStatus, OutboxMessage, Payment
from tests.invoice_helpers import send_with_link
from tests.pages import form_values
from tests.stripe_helpers import history


def test_ten_payments_posted_at_once_add_up_to_what_the_invoice_says_was_paid(app, logged_in, trainer):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time; the double post is tested on it in test_double_posts")
    invoice, _ = send_with_link(logged_in, trainer)  # $160.00
    forms = [dict(form_values(logged_in.get(f"/invoices/{invoice.id}"), "payment-form"), amount="20", method="cash")
             for _ in range(10)]

    responses = logged_in.post_at_once(f"/invoices/{invoice.id}/payments", forms)

    assert [r.status_code for r in responses] == [302] * 10
    db.session.expire_all()
    payments = db.session.scalars(select(Payment).where(Payment.invoice_id == invoice.id)).all()
    paid = db.session.get(Invoice, invoice.id)
    assert sum(p.amount_cents for p in payments) == 20000
    assert paid.paid_cents == paid.total_cents == 16000
    assert credit_cents(paid.client_id) == 4000  # what the invoice did not need is credit on account
    assert paid.status == InvoiceStatus.paid
    assert sum(p.amount_cents for p in payments if not p.refund_flag) == paid.total_cents  # the rest is flagged
    assert len(history(invoice.id, "payment_recorded")) == 10
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "receipt")) == 1
