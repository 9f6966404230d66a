"""The client ledger: payments spread over invoices, credit on account applied at Send, credits,
refunds of credit, write-offs, and a statement that adds up."""
from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, InvoiceStatus, LedgerEntry, Payment, PaymentAllocation, PaymentMethod
from app.services import client_accounts, ledger
from app.services.invoices import void_invoice
from app.services.payments import delete_payment, record_manual_payment, refund_manual_payment
from tests import factories
from tests.invoice_helpers import bill_client, submit_drafts


def _reload(invoice_id: int) -> Invoice:
    db.session.expire_all()
    return db.session.get(Invoice, invoice_id)


def _kinds(client_id: int) -> list[tuple[str, int]]:
    return [(e.kind, e.amount_cents) for e in db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.client_id == client_id).order_by(LedgerEntry.id))]


def assert_books_balance(client_id: int) -> None:
    """balance == sum of entries == what live invoices still owe less credit on account."""
    db.session.expire_all()
    invoices = db.session.scalars(select(Invoice).where(Invoice.client_id == client_id,
                                                        Invoice.status.in_([InvoiceStatus.open, InvoiceStatus.paid])))
    due = sum(i.total_cents - i.paid_cents - i.written_off_cents for i in invoices)
    assert ledger.balance_cents(client_id) == due - ledger.credit_cents(client_id)
    for payment in db.session.scalars(select(Payment).where(Payment.client_id == client_id)):
        assert ledger.allocated_cents(payment.id) <= ledger.holds_cents(payment)
    for invoice in db.session.scalars(select(Invoice).where(Invoice.client_id == client_id)):
        assert invoice.paid_cents <= invoice.total_cents


def test_an_overpayment_is_credit_on_account_and_pays_the_next_invoice_at_send(app, trainer):
    first = bill_client(trainer, "Ann Archer", sessions=1)  # $80.00
    record_manual_payment(trainer.id, first.id, "t", amount_cents=10000, method=PaymentMethod.cash,
                          received_on=date.today())
    assert (_reload(first.id).status, _reload(first.id).paid_cents) == (InvoiceStatus.paid, 8000)
    assert ledger.credit_cents(first.client_id) == 2000

    client = db.session.get(type(first.client), first.client_id)
    factories.make_session(client, days_ago=0.5, rate_cents=8000)
    submit_drafts(trainer.id, "second")

    second = db.session.scalar(select(Invoice).where(Invoice.client_id == client.id, Invoice.id != first.id))
    assert (second.status, second.paid_cents, second.due_cents) == (InvoiceStatus.open, 2000, 6000)
    assert ledger.credit_applied_cents(second.id) == 2000 and ledger.credit_cents(client.id) == 0
    assert ("credit_applied", 0) in _kinds(client.id)
    assert_books_balance(client.id)


def test_one_payment_settles_two_invoices_oldest_first_and_keeps_the_rest_as_credit(app, trainer):
    older = bill_client(trainer, "Ann Archer", sessions=1)  # $80.00
    client = older.client
    factories.make_session(client, days_ago=0.5, rate_cents=15000)
    submit_drafts(trainer.id, "newer")
    newer = db.session.scalar(select(Invoice).where(Invoice.client_id == client.id, Invoice.id != older.id))

    client_accounts.record_client_payment(trainer.id, client.id, "t", amount_cents=30000, method=PaymentMethod.venmo,
                                          received_on=date.today())

    assert _reload(older.id).status == _reload(newer.id).status == InvoiceStatus.paid
    assert ledger.credit_cents(client.id) == 30000 - 8000 - 15000
    payment = db.session.scalar(select(Payment))
    assert sorted(a.amount_cents for a in db.session.scalars(select(PaymentAllocation))) == [8000, 15000]
    assert payment.client_id == client.id
    assert_books_balance(client.id)


def test_an_allocation_larger_than_the_payment_is_refused_and_nothing_changes(app, logged_in, trainer):
    invoice = bill_client(trainer, "Ann Archer", sessions=2)  # $160.00
    page = logged_in.post(f"/clients/{invoice.client_id}/payments", {
        "amount": "50", "method": "cash", "received_on": date.today().isoformat(), f"apply-{invoice.id}": "60"})

    assert page.status_code == 200
    assert "add up to more than the payment of $50.00" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    assert db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "payment_received")) == 0


def test_chosen_amounts_go_where_the_trainer_typed_them(app, logged_in, trainer):
    invoice = bill_client(trainer, "Ann Archer", sessions=2)  # $160.00
    logged_in.post(f"/clients/{invoice.client_id}/payments", {
        "amount": "100", "method": "cash", "received_on": date.today().isoformat(), f"apply-{invoice.id}": "60"})

    assert _reload(invoice.id).paid_cents == 6000
    assert ledger.credit_cents(invoice.client_id) == 4000
    assert_books_balance(invoice.client_id)


def test_a_manual_credit_larger_than_what_the_client_owes_is_refused(app, logged_in, trainer):
    invoice = bill_client(trainer, "Ann Archer", sessions=1)  # $80.00
    path = f"/clients/{invoice.client_id}/credits"

    too_big = logged_in.post(path, {"amount": "90", "reason": "Late start"}).get_data(as_text=True)
    no_reason = logged_in.post(path, {"amount": "10", "reason": ""}).get_data(as_text=True)

    assert "Ann Archer owes $80.00: a credit can be at most that." in too_big
    assert "Say why you are giving this credit." in no_reason
    assert db.session.scalar(select(func.count(Payment.id))) == 0

    logged_in.post(path, {"amount": "30", "reason": "Late start"})
    assert (_reload(invoice.id).paid_cents, _reload(invoice.id).due_cents) == (3000, 5000)
    assert ledger.balance_cents(invoice.client_id) == 5000
    assert_books_balance(invoice.client_id)


def test_credit_on_account_can_be_refunded_instead(app, logged_in, trainer):
    invoice = bill_client(trainer, "Ann Archer", sessions=1)
    record_manual_payment(trainer.id, invoice.id, "t", amount_cents=10000, method=PaymentMethod.cash,
                          received_on=date.today())
    path = f"/clients/{invoice.client_id}/credit-refunds"

    refused = logged_in.post(path, {"amount": "25"}).get_data(as_text=True)
    assert "Refund between $0.01 and $20.00 of credit on account." in refused
    logged_in.post(path, {"amount": "20", "reason": "Handed back"})

    assert ledger.credit_cents(invoice.client_id) == 0
    assert _reload(invoice.id).status == InvoiceStatus.paid
    assert ("refund", 2000) in _kinds(invoice.client_id)
    assert_books_balance(invoice.client_id)


def test_writing_off_closes_the_invoice_and_shows_it(app, logged_in, trainer):
    invoice = bill_client(trainer, "Ann Archer", sessions=1)
    record_manual_payment(trainer.id, invoice.id, "t", amount_cents=3000, method=PaymentMethod.cash,
                          received_on=date.today())
    path = f"/clients/{invoice.client_id}/invoices/{invoice.id}/write-off"

    assert "Say why you are writing this off." in logged_in.post(path, {"reason": ""}).get_data(as_text=True)
    logged_in.post(path, {"reason": "Moved away"})

    written = _reload(invoice.id)
    assert (written.status, written.due_cents, written.written_off_cents) == (InvoiceStatus.paid, 0, 5000)
    assert ("written_off", -5000) in _kinds(invoice.client_id)
    page = logged_in.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert 'id="invoice-status">Written off<' in page and 'id="invoice-written-off">−$50.00' in page
    assert_books_balance(invoice.client_id)


def test_refunds_deletions_and_voids_keep_the_books_balanced(app, trainer):
    invoice = bill_client(trainer, "Ann Archer", sessions=2)  # $160.00
    cash = record_manual_payment(trainer.id, invoice.id, "t", amount_cents=5000, method=PaymentMethod.cash,
                                 received_on=date.today())
    check = record_manual_payment(trainer.id, invoice.id, "t", amount_cents=4000, method=PaymentMethod.check,
                                  received_on=date.today())
    refund_manual_payment(trainer.id, invoice.id, cash.id, "t", amount_cents=1000)
    delete_payment(trainer.id, invoice.id, check.id, "t")
    assert _reload(invoice.id).paid_cents == 4000
    assert_books_balance(invoice.client_id)

    void_invoice(trainer.id, invoice.id, "t", "Wrong client")
    assert ledger.credit_cents(invoice.client_id) == 4000  # the client's money, to refund or reuse
    assert_books_balance(invoice.client_id)


def test_the_statement_runs_the_balance_from_an_opening_one(app, logged_in, trainer):
    invoice = bill_client(trainer, "Ann Archer", sessions=1)
    record_manual_payment(trainer.id, invoice.id, "t", amount_cents=3000, method=PaymentMethod.cash,
                          received_on=date.today())
    page = logged_in.get(f"/clients/{invoice.client_id}").get_data(as_text=True)
    assert 'id="statement-opening">$0.00' in page
    assert 'id="statement-closing"><strong>$50.00' in page

    later = logged_in.get(f"/clients/{invoice.client_id}?from={(date.today() + timedelta(days=1)).isoformat()}")
    assert 'id="statement-opening">$50.00' in later.get_data(as_text=True)


def test_the_statement_takes_as_many_queries_for_50_entries_as_for_5(app, trainer, count_queries):
    def queries_for(n: int) -> int:
        client = factories.make_client(trainer, name=f"Client {n}")
        for _ in range(n):
            db.session.add(LedgerEntry(trainer_id=trainer.id, client_id=client.id, kind="refund", amount_cents=100,
                                       occurred_on=date.today(), note=""))
        db.session.commit()
        db.session.expire_all()
        with count_queries() as counter:
            statement = client_accounts.statement(trainer.id, client.id, date.today() - timedelta(days=90))
        assert len(statement.rows) == n and statement.closing_cents == 100 * n
        return counter.count

    assert queries_for(5) == queries_for(50)


def test_the_invoice_its_link_and_its_text_show_the_credit_applied(app, logged_in, trainer):
    from app.services.links import public_url
    from app.services.texting import invoice_text

    first = bill_client(trainer, "Ann Archer", sessions=1)
    record_manual_payment(trainer.id, first.id, "t", amount_cents=10000, method=PaymentMethod.cash,
                          received_on=date.today())
    factories.make_session(first.client, days_ago=0.5, rate_cents=8000)
    submit_drafts(trainer.id, "second")
    second = db.session.scalar(select(Invoice).where(Invoice.client_id == first.client_id, Invoice.id != first.id))

    page = logged_in.get(f"/invoices/{second.id}").get_data(as_text=True)
    assert 'id="invoice-credit">−$20.00' in page and 'id="invoice-due"><strong>$60.00' in page
    public = logged_in.get(public_url(second)).get_data(as_text=True)
    assert 'id="public-credit">−$20.00' in public and "$60.00" in public
    assert "for $60.00 (after $20.00 credit)" in invoice_text(second, second.trainer, first_text=False)


def test_the_same_payment_form_posted_twice_records_one_payment(app, logged_in, trainer):
    from tests.pages import form_values

    invoice = bill_client(trainer, "Ann Archer", sessions=2)
    form = dict(form_values(logged_in.get(f"/clients/{invoice.client_id}"), "account-payment-form"),
                amount="50", method="cash")

    first = logged_in.post(f"/clients/{invoice.client_id}/payments", form)
    again = logged_in.post(f"/clients/{invoice.client_id}/payments", form)

    assert first.status_code == again.status_code == 302
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert _reload(invoice.id).paid_cents == 5000
    assert_books_balance(invoice.client_id)


def test_a_payment_spread_over_two_invoices_is_listed_on_both_and_a_credit_is_not_collected(
        app, logged_in, trainer):
    older = bill_client(trainer, "Ann Archer", sessions=1)
    factories.make_session(older.client, days_ago=0.5, rate_cents=8000)
    submit_drafts(trainer.id, "newer")
    newer = db.session.scalar(select(Invoice).where(Invoice.client_id == older.client_id, Invoice.id != older.id))
    client_accounts.record_client_payment(trainer.id, older.client_id, "t", amount_cents=12000,
                                          method=PaymentMethod.cash, received_on=date.today())
    client_accounts.issue_credit(trainer.id, older.client_id, "t", amount_cents=1000, reason="Late start")

    newer_page = logged_in.get(f"/invoices/{newer.id}").get_data(as_text=True)
    assert "$120.00 · Cash" in newer_page and "$10.00 · Credit" in newer_page
    assert 'id="invoice-credit">−$10.00' in newer_page and 'id="invoice-due"><strong>$30.00' in newer_page
    assert 'id="collected-month">$120.00' in logged_in.get("/dashboard").get_data(as_text=True)


def test_the_overpayment_flag_stays_until_its_credit_is_refunded_or_used(app, trainer):
    invoice = bill_client(trainer, "Ann Archer", sessions=1)  # $80.00
    payment = record_manual_payment(trainer.id, invoice.id, "t", amount_cents=10000, method=PaymentMethod.cash,
                                    received_on=date.today())
    refund_manual_payment(trainer.id, invoice.id, payment.id, "t", amount_cents=500)
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).refund_flag.startswith("Overpaid by $20.00")
    assert ledger.credit_cents(invoice.client_id) == 1500 and _reload(invoice.id).paid_cents == 8000

    factories.make_session(invoice.client, days_ago=0.5, rate_cents=8000)
    submit_drafts(trainer.id, "next")

    assert db.session.get(Payment, payment.id).refund_flag == ""
    assert ledger.credit_cents(invoice.client_id) == 0
    assert_books_balance(invoice.client_id)


def test_an_invoice_reopened_by_a_refund_after_a_write_off_can_be_written_off_again(app, trainer):
    invoice = bill_client(trainer, "Ann Archer", sessions=1)
    payment = record_manual_payment(trainer.id, invoice.id, "t", amount_cents=100, method=PaymentMethod.cash,
                                    received_on=date.today())
    client_accounts.write_off(trainer.id, invoice.id, "t", "Gone")
    refund_manual_payment(trainer.id, invoice.id, payment.id, "t", amount_cents=100)
    assert _reload(invoice.id).status == InvoiceStatus.open and _reload(invoice.id).due_cents == 100

    client_accounts.write_off(trainer.id, invoice.id, "t", "Gone")

    assert (_reload(invoice.id).status, _reload(invoice.id).written_off_cents) == (InvoiceStatus.paid, 8000)
    assert_books_balance(invoice.client_id)
