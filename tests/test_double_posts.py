"""A form sent twice (a double tap, a retry on a slow connection, two web threads at once) makes one
thing: each form carries a one-time key, and a repeated post is shown what the first one made."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Client, Invoice, InvoiceStatus, OutboxMessage, Payment, PaymentStatus, TrainingSession
from tests import factories
from tests.conftest import Browser
from tests.invoice_helpers import send_with_link
from tests.pages import form_values, text_of
from tests.stripe_helpers import history


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def payment_form(browser, invoice, **changes) -> dict:
    values = form_values(browser.get(f"/invoices/{invoice.id}"), "payment-form")
    values.update(changes)
    return values


# Record payment

def test_a_double_tapped_record_payment_records_one_payment_and_texts_one_receipt(app, logged_in, trainer):
    invoice, _ = send_with_link(logged_in, trainer)
    form = payment_form(logged_in, invoice, amount="160", method="cash")

    responses = logged_in.post_at_once(f"/invoices/{invoice.id}/payments", [form] * 2)

    assert [r.status_code for r in responses] == [302, 302]
    assert {r.headers["Location"] for r in responses} == {f"/invoices/{invoice.id}"}
    assert count(Payment) == 1
    paid = db.session.get(Invoice, invoice.id)
    assert (paid.status, paid.paid_cents) == (InvoiceStatus.paid, 16000)
    assert count(OutboxMessage, OutboxMessage.kind == "receipt") == 1
    assert len(history(invoice.id, "payment_recorded")) == 1


def test_the_record_payment_form_sent_again_later_records_nothing_more(logged_in, trainer):
    invoice, _ = send_with_link(logged_in, trainer)
    form = payment_form(logged_in, invoice, amount="60", method="cash")

    first = logged_in.post(f"/invoices/{invoice.id}/payments", form)
    again = logged_in.post(f"/invoices/{invoice.id}/payments", form)  # the browser's back button, then send

    assert first.headers["Location"] == again.headers["Location"] == f"/invoices/{invoice.id}"
    assert count(Payment) == 1
    assert db.session.get(Invoice, invoice.id).due_cents == 10000


def test_two_payments_recorded_from_two_loads_of_the_page_are_both_kept(logged_in, trainer):
    invoice, _ = send_with_link(logged_in, trainer)
    for _ in range(2):
        logged_in.post(f"/invoices/{invoice.id}/payments", payment_form(logged_in, invoice, amount="60"))

    assert count(Payment) == 2
    assert db.session.get(Invoice, invoice.id).paid_cents == 12000


def test_a_refused_payment_corrected_on_the_same_form_is_recorded(logged_in, trainer):
    invoice, _ = send_with_link(logged_in, trainer)
    refused = logged_in.post(f"/invoices/{invoice.id}/payments", payment_form(logged_in, invoice, amount="abc"))
    corrected = form_values(refused, "payment-form")
    corrected["amount"] = "60"

    logged_in.post(f"/invoices/{invoice.id}/payments", corrected)
    logged_in.post(f"/invoices/{invoice.id}/payments", corrected)

    assert count(Payment) == 1


# I've paid with Venmo

@pytest.fixture
def venmo_invoice(app, logged_in, trainer):
    """A sent invoice whose trainer takes Venmo: (invoice, its link's path, the client's phone)."""
    trainer.venmo_handle = "gym-one"
    db.session.commit()
    invoice, path = send_with_link(logged_in, trainer)
    return invoice, path, Browser(app.test_client())


def test_pressing_ive_paid_with_venmo_five_times_at_once_makes_one_report(venmo_invoice):
    _, path, phone = venmo_invoice
    form = form_values(phone.get(path))
    assert form.get("form_key"), "the Venmo form carries a one-time key"

    responses = phone.post_at_once(path + "/venmo-paid", [form] * 5)

    assert [r.status_code for r in responses] == [303] * 5
    assert count(Payment) == 1
    [report] = db.session.scalars(select(Payment)).all()
    assert (report.status, report.amount_cents, report.reported_by_client) == (PaymentStatus.pending, 16000, True)


def test_each_visit_of_the_client_page_gets_its_own_venmo_form_key(venmo_invoice):
    _, path, phone = venmo_invoice

    keys = {form_values(phone.get(path))["form_key"] for _ in range(3)}

    assert len(keys) == 3


def test_a_new_report_after_the_trainer_found_no_money_is_kept(logged_in, venmo_invoice):
    _, path, phone = venmo_invoice
    phone.post(path + "/venmo-paid", form_values(phone.get(path)))
    first = db.session.scalars(select(Payment)).one()
    logged_in.post(f"/invoices/payments/{first.id}/reject")

    phone.post(path + "/venmo-paid", form_values(phone.get(path)))

    assert count(Payment, Payment.status == PaymentStatus.pending) == 1
    assert count(Payment, Payment.status == PaymentStatus.failed) == 1


# Log a session

def test_a_double_tapped_log_session_logs_one_session(app, logged_in, trainer):
    maya = factories.make_client(trainer, name="Maya Chen", default_rate_cents=9550)
    form = form_values(logged_in.get(f"/sessions/new?client_id={maya.id}"), "session-form")

    responses = logged_in.post_at_once("/sessions/new", [form] * 2)

    assert [r.status_code for r in responses] == [302, 302]
    assert len({r.headers["Location"] for r in responses}) == 1
    assert count(TrainingSession) == 1


def test_a_session_form_sent_again_after_its_session_was_deleted_says_so(logged_in, trainer):
    maya = factories.make_client(trainer, name="Maya Chen")
    form = form_values(logged_in.get(f"/sessions/new?client_id={maya.id}"), "session-form")
    logged_in.post("/sessions/new", form)
    session = db.session.scalars(select(TrainingSession)).one()
    logged_in.post(f"/sessions/{session.id}/delete")

    again = logged_in.post("/sessions/new", form)

    assert again.status_code == 200
    assert "already sent" in text_of(again)
    assert count(TrainingSession) == 0


# Add a client

def test_a_double_tapped_add_client_adds_one_client(app, logged_in, trainer):
    form = form_values(logged_in.get("/clients/new"))
    form.update(name="Maya Chen", mobile="(415) 555-2671")

    responses = logged_in.post_at_once("/clients/new", [form] * 2)

    assert [r.status_code for r in responses] == [302, 302]
    [maya] = db.session.scalars(select(Client)).all()
    assert {r.headers["Location"] for r in responses} == {f"/clients/{maya.id}"}


def test_one_trainers_form_key_means_nothing_to_another(app, logged_in, trainer):
    form = form_values(logged_in.get("/clients/new"))
    form.update(name="Maya Chen")
    logged_in.post("/clients/new", form)
    other = Browser(app.test_client())
    other.login(factories.make_trainer().email)
    other.get("/clients/new")

    other.post("/clients/new", {**form, "csrf_token": other.token})

    assert count(Client) == 2
