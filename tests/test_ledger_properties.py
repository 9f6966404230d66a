"""The ledger always balances, whatever a trainer does in whatever order: sessions invoiced, payments
over and under what is due, payments over several invoices, refunds, deletions, voids, credits given,
credit refunded and write-offs. Runs on PostgreSQL too (TEST_DATABASE_URL)."""
import itertools
from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invoice, InvoiceStatus, LedgerEntry, Payment, PaymentAllocation, PaymentMethod, PaymentStatus
from app.services import ServiceError, client_accounts, ledger
from app.services.invoices import void_invoice
from app.services.payments import delete_payment, record_manual_payment, refund_manual_payment
from tests import factories
from tests.invoice_helpers import submit_drafts

CENTS = st.integers(min_value=1, max_value=40000)
_keys = itertools.count()


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def start(self):
        db.session.rollback()
        self.trainer = factories.make_trainer()
        self.clients = [factories.make_client(self.trainer) for _ in range(2)]
        self.sessions_logged = 0

    def _invoices(self, *statuses):
        db.session.expire_all()
        return list(db.session.scalars(select(Invoice).where(
            Invoice.trainer_id == self.trainer.id, Invoice.status.in_(statuses or
                                                                       (InvoiceStatus.open, InvoiceStatus.paid)))
            .order_by(Invoice.id)))

    def _payments(self):
        return list(db.session.scalars(select(Payment).where(
            Payment.trainer_id == self.trainer.id, Payment.deleted_at.is_(None),
            Payment.method != PaymentMethod.credit, Payment.status == PaymentStatus.succeeded).order_by(Payment.id)))

    @rule(client=st.integers(0, 1), rates=st.lists(st.integers(0, 20000), min_size=1, max_size=3))
    def invoice_sessions(self, client, rates):
        for rate in rates:
            self.sessions_logged += 1
            factories.make_session(self.clients[client], days_ago=40 - self.sessions_logged * 0.1, rate_cents=rate)
        submit_drafts(self.trainer.id, f"k{next(_keys)}")

    @rule(pick=st.integers(0, 50), amount=CENTS)
    def pay_an_invoice(self, pick, amount):
        invoices = self._invoices()
        if invoices:
            invoice = invoices[pick % len(invoices)]
            record_manual_payment(self.trainer.id, invoice.id, "t", amount_cents=amount, method=PaymentMethod.cash,
                                  received_on=date.today())

    @rule(client=st.integers(0, 1), amount=CENTS)
    def pay_on_account(self, client, amount):
        client_accounts.record_client_payment(self.trainer.id, self.clients[client].id, "t", amount_cents=amount,
                                              method=PaymentMethod.venmo, received_on=date.today())

    @rule(pick=st.integers(0, 50), amount=CENTS)
    def refund_a_payment(self, pick, amount):
        payments = [p for p in self._payments() if p.invoice_id is not None]
        if payments:
            payment = payments[pick % len(payments)]
            amount = min(amount, payment.amount_cents - payment.refunded_cents)
            refund_manual_payment(self.trainer.id, payment.invoice_id, payment.id, "t", amount_cents=amount)

    @rule(pick=st.integers(0, 50))
    def delete_a_payment(self, pick):
        payments = [p for p in self._payments() if p.invoice_id is not None]
        if payments:
            payment = payments[pick % len(payments)]
            delete_payment(self.trainer.id, payment.invoice_id, payment.id, "t")

    @rule(pick=st.integers(0, 50))
    def void_an_invoice(self, pick):
        invoices = self._invoices()
        if invoices:
            void_invoice(self.trainer.id, invoices[pick % len(invoices)].id, "t", "Wrong client")

    @rule(client=st.integers(0, 1), amount=CENTS)
    def give_a_credit(self, client, amount):
        try:
            client_accounts.issue_credit(self.trainer.id, self.clients[client].id, "t", amount_cents=amount,
                                         reason="Goodwill")
        except ServiceError:
            assert amount > ledger.balance_cents(self.clients[client].id)

    @rule(client=st.integers(0, 1), amount=CENTS)
    def refund_credit(self, client, amount):
        client_id = self.clients[client].id
        try:
            client_accounts.refund_credit(self.trainer.id, client_id, "t", amount_cents=amount)
        except ServiceError:
            assert amount > client_accounts.refundable_credit_cents(client_id)

    @rule(pick=st.integers(0, 50))
    def write_off(self, pick):
        invoices = [i for i in self._invoices(InvoiceStatus.open) if i.due_cents > 0]
        if invoices:
            client_accounts.write_off(self.trainer.id, invoices[pick % len(invoices)].id, "t", "Gone")

    @invariant()
    def no_payment_gives_more_than_it_holds(self):
        db.session.expire_all()
        for payment in db.session.scalars(select(Payment).where(Payment.trainer_id == self.trainer.id)):
            assert ledger.allocated_cents(payment.id) <= ledger.holds_cents(payment)

    @invariant()
    def no_invoice_is_over_allocated_and_paid_means_covered(self):
        for invoice in self._invoices(InvoiceStatus.open, InvoiceStatus.paid, InvoiceStatus.void):
            assert 0 <= invoice.paid_cents + invoice.written_off_cents <= invoice.total_cents
            if invoice.status != InvoiceStatus.void:
                covered = invoice.paid_cents + invoice.written_off_cents >= invoice.total_cents
                assert (invoice.status == InvoiceStatus.paid) == covered

    @invariant()
    def balance_is_the_sum_of_entries_and_what_is_due_less_credit(self):
        for client in self.clients:
            invoices = [i for i in self._invoices() if i.client_id == client.id]
            due = sum(i.due_cents for i in invoices)
            entries = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
                                        .where(LedgerEntry.client_id == client.id))
            assert ledger.balance_cents(client.id) == entries == due - ledger.credit_cents(client.id)

    @invariant()
    def allocations_stay_with_their_client(self):
        mismatched = db.session.scalar(select(func.count(PaymentAllocation.id))
                                       .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
                                       .join(Payment, Payment.id == PaymentAllocation.payment_id)
                                       .where(PaymentAllocation.trainer_id == self.trainer.id,
                                              (Invoice.client_id != Payment.client_id)
                                              | (PaymentAllocation.client_id != Invoice.client_id)))
        assert mismatched == 0


def test_the_ledger_balances_after_any_sequence_of_money_movements(app):
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=25, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
