"""The ledger always balances, whatever a trainer does in whatever order, through the services her pages
call: sessions logged and cancelled, Bill now → Send, packs sold, memberships started (full or prorated,
back-dated so that renewals come due), changed, paused, resumed and cancelled, payments over and under
what is due, one payment split over several invoices, refunds, deletions, voids, credits given, credit
refunded and write-offs, with packs usable once sent or once paid. Runs on PostgreSQL too (TEST_DATABASE_URL)."""
import itertools
from datetime import date, datetime, time, timedelta, timezone

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from app.extensions import db
from app.models import (CreditLot, CreditUse, Invoice, InvoiceLine, InvoiceStatus, LedgerEntry, Membership,
                        MembershipCycle, Payment, PaymentAllocation, PaymentMethod, PaymentStatus, SessionStatus,
                        TrainingSession)
from app.models.membership import ACTIVE, CANCELLED, PAUSED
from app.services import ServiceError, client_accounts, ledger, memberships, packs, plans, sessions
from app.services.drafts import is_sendable
from app.services.invoices import void_invoice
from app.services.payments import delete_payment, record_manual_payment, refund_manual_payment
from app.timefmt import local_today
from tests import factories
from tests.invoice_helpers import drafts_of, submit_drafts

CENTS = st.integers(min_value=1, max_value=40000)
CLIENT = st.integers(0, 1)
PICK = st.integers(0, 50)
_keys = itertools.count()


class LedgerMachine(RuleBasedStateMachine):
    @initialize(usable_on=st.sampled_from(["sale", "payment"]))
    def start(self, usable_on):
        db.session.rollback()
        self.trainer = factories.make_trainer()
        plans.set_pack_settings(self.trainer.id, credits_usable_on=usable_on, no_show_uses="credit")
        self.usable_on = usable_on
        self.clients = [factories.make_client(self.trainer) for _ in range(2)]
        self.sessions_logged = 0
        self.pack = plans.create_pack(self.trainer.id, name="5-pack", sessions_total=5, price_cents=37500,
                                      valid_days=90)
        # Two plans on one cycle (monthly on the 1st), so that either can change to the other.
        self.plans = [plans.create_membership_plan(self.trainer.id, name="4 a month", price_cents=24000,
                                                   cadence="monthly", anchor_day=1, included_sessions=4,
                                                   extra_session_cents=7000, rollover_max=2),
                      plans.create_membership_plan(self.trainer.id, name="Unlimited", price_cents=52500,
                                                   cadence="monthly", anchor_day=1, unlimited=True)]

    @property
    def today(self) -> date:
        return local_today(self.trainer.timezone)

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

    def _membership(self, client: int) -> Membership | None:
        db.session.expire_all()
        return memberships.live_membership(self.trainer.id, self.clients[client].id)

    # Sessions and billing ------------------------------------------------------------------------------

    @rule(client=CLIENT, rate=st.integers(0, 20000), days_ago=st.one_of(st.integers(0, 2), st.integers(0, 60)),
          no_show=st.booleans())
    def log_a_session(self, client, rate, days_ago, no_show):
        self.sessions_logged += 1  # each at an hour of its own: no two overlap
        starts_at = datetime.now(timezone.utc) - timedelta(days=days_ago, minutes=61 * self.sessions_logged)
        sessions.log_session(self.trainer.id, client_id=self.clients[client].id, starts_at=starts_at,
                             duration_minutes=60, rate_cents=rate,
                             status=SessionStatus.no_show if no_show else SessionStatus.completed,
                             no_show_chargeable=no_show)

    @rule(pick=PICK)
    def cancel_a_session(self, pick):
        db.session.expire_all()
        waiting = list(db.session.scalars(select(TrainingSession).where(
            TrainingSession.trainer_id == self.trainer.id, TrainingSession.invoice_id.is_(None),
            TrainingSession.status != SessionStatus.cancelled).order_by(TrainingSession.id)))
        if waiting:
            session = sessions.cancel_session(self.trainer.id, waiting[pick % len(waiting)].id)
            assert db.session.scalar(select(CreditUse.id).where(CreditUse.session_id == session.id)) is None

    @rule()
    def bill_now_and_send(self):
        try:
            submit_drafts(self.trainer.id, f"k{next(_keys)}")
        except ServiceError:
            assert not any(is_sendable(d) for d in drafts_of(self.trainer.id))
        # Every cycle of an active membership that has begun is billed: none skipped.
        for client in range(2):
            membership = self._membership(client)
            if membership is not None and membership.status == ACTIVE and membership.ends_on is None:
                assert membership.next_renewal_on > self.today

    @rule(client=CLIENT, rates=st.lists(st.integers(0, 20000), min_size=1, max_size=3))
    def invoice_sessions(self, client, rates):
        for rate in rates:
            self.log_a_session(client, rate, days_ago=30, no_show=False)
        self.bill_now_and_send()

    # Packs and memberships -----------------------------------------------------------------------------

    @rule(client=CLIENT)
    def sell_a_pack(self, client):
        draft = packs.sell_pack(self.trainer.id, self.clients[client].id, self.pack.id, "t")
        assert any(line.plan_id == self.pack.id for line in draft.live_lines)

    @rule(client=CLIENT)
    def sell_a_pack_and_take_its_price(self, client):
        """A pack sold, sent and paid in full at once: under "usable once paid", it covers sessions from then."""
        self.sell_a_pack(client)
        self.bill_now_and_send()
        invoice = db.session.scalar(select(Invoice).join(CreditLot, CreditLot.invoice_id == Invoice.id).where(
            Invoice.client_id == self.clients[client].id, CreditLot.membership_id.is_(None))
            .order_by(Invoice.id.desc()).limit(1))
        if invoice is not None and invoice.status == InvoiceStatus.open:
            record_manual_payment(self.trainer.id, invoice.id, "t", amount_cents=invoice.due_cents,
                                  method=PaymentMethod.cash, received_on=date.today())

    @rule(client=CLIENT, plan=st.integers(0, 1), days_back=st.integers(0, 70), prorate=st.booleans())
    def start_a_membership(self, client, plan, days_back, prorate):
        had = self._membership(client)
        start_on = self.today - timedelta(days=days_back)
        # A membership cancelled at its cycle's end is billed to that end: a new one may start only after it.
        runs_until = db.session.scalar(select(func.max(Membership.ends_on)).where(
            Membership.client_id == self.clients[client].id))
        refused = had is not None or (runs_until is not None and start_on < runs_until)
        try:
            memberships.start_membership(self.trainer.id, self.clients[client].id, self.plans[plan].id,
                                         start_on=start_on, prorate_first=prorate, actor="t")
        except ServiceError:
            assert refused
        else:
            assert not refused

    @rule(client=CLIENT)
    def change_the_plan(self, client):
        membership = self._membership(client)
        if membership is not None:
            other = next(p for p in self.plans if p.id != membership.plan_id)
            memberships.change_plan(self.trainer.id, membership.id, other.id, actor="t")
            assert self._membership(client).plan_id == other.id

    @rule(client=CLIENT)
    def pause_or_resume(self, client):
        membership = self._membership(client)
        if membership is not None and membership.status == ACTIVE:
            memberships.pause_membership(self.trainer.id, membership.id, "t")
            assert self._membership(client).status == PAUSED
        elif membership is not None:
            memberships.resume_membership(self.trainer.id, membership.id, "t")
            assert self._membership(client).status == ACTIVE

    @rule(client=CLIENT, now=st.booleans())
    def cancel_the_membership(self, client, now):
        membership = self._membership(client)
        if membership is not None:
            memberships.cancel_membership(self.trainer.id, membership.id, now=now, actor="t")
            assert self._membership(client) is None
            assert db.session.get(Membership, membership.id).status == CANCELLED

    # Money ---------------------------------------------------------------------------------------------

    @rule(pick=PICK, amount=CENTS)
    def pay_an_invoice(self, pick, amount):
        invoices = self._invoices()
        if invoices:
            invoice = invoices[pick % len(invoices)]
            record_manual_payment(self.trainer.id, invoice.id, "t", amount_cents=amount, method=PaymentMethod.cash,
                                  received_on=date.today())

    @rule(client=CLIENT, amount=CENTS)
    def pay_on_account(self, client, amount):
        client_accounts.record_client_payment(self.trainer.id, self.clients[client].id, "t", amount_cents=amount,
                                              method=PaymentMethod.venmo, received_on=date.today())

    @rule(client=CLIENT, shares=st.lists(st.integers(0, 100), min_size=2, max_size=4), extra=st.integers(0, 5000))
    def pay_split_over_invoices(self, client, shares, extra):
        """One payment the trainer splits by hand over the client's open invoices (a share of each one's
        due), with what is left over becoming credit on account."""
        client_id = self.clients[client].id
        db.session.expire_all()
        open_invoices = client_accounts.open_invoices(self.trainer.id, client_id)
        split = {i.id: i.due_cents * share // 100 for i, share in zip(open_invoices, shares)}
        amount = sum(split.values()) + extra
        if amount == 0:
            return
        credit_before = ledger.credit_cents(client_id)
        due_before = {i.id: i.due_cents for i in open_invoices}
        client_accounts.record_client_payment(self.trainer.id, client_id, "t", amount_cents=amount,
                                              method=PaymentMethod.check, received_on=date.today(), split=split)
        db.session.expire_all()
        for invoice_id, cents in split.items():
            assert db.session.get(Invoice, invoice_id).due_cents == due_before[invoice_id] - cents
        assert ledger.credit_cents(client_id) == credit_before + extra

    @rule(pick=PICK, amount=CENTS)
    def refund_a_payment(self, pick, amount):
        payments = [p for p in self._payments() if p.invoice_id is not None]
        if payments:
            payment = payments[pick % len(payments)]
            amount = min(amount, payment.amount_cents - payment.refunded_cents)
            refund_manual_payment(self.trainer.id, payment.invoice_id, payment.id, "t", amount_cents=amount)

    @rule(pick=PICK)
    def delete_a_payment(self, pick):
        payments = [p for p in self._payments() if p.invoice_id is not None]
        if payments:
            payment = payments[pick % len(payments)]
            delete_payment(self.trainer.id, payment.invoice_id, payment.id, "t")

    @rule(pick=PICK)
    def void_an_invoice(self, pick):
        invoices = self._invoices()
        if invoices:
            invoice = invoices[pick % len(invoices)]
            try:
                void_invoice(self.trainer.id, invoice.id, "t", "Wrong client")
            except ServiceError:  # only a sold pack that has covered sessions keeps its invoice
                db.session.expire_all()
                assert db.session.get(Invoice, invoice.id).status != InvoiceStatus.void
                assert db.session.scalar(select(func.count(CreditUse.id)).join(CreditLot).where(
                    CreditLot.invoice_id == invoice.id, CreditLot.membership_id.is_(None))) > 0

    @rule(client=CLIENT, amount=CENTS)
    def give_a_credit(self, client, amount):
        try:
            client_accounts.issue_credit(self.trainer.id, self.clients[client].id, "t", amount_cents=amount,
                                         reason="Goodwill")
        except ServiceError:
            assert amount > ledger.balance_cents(self.clients[client].id)

    @rule(client=CLIENT, amount=CENTS)
    def refund_credit(self, client, amount):
        client_id = self.clients[client].id
        try:
            client_accounts.refund_credit(self.trainer.id, client_id, "t", amount_cents=amount)
        except ServiceError:
            assert amount > client_accounts.refundable_credit_cents(client_id)

    @rule(pick=PICK)
    def write_off(self, pick):
        invoices = [i for i in self._invoices(InvoiceStatus.open) if i.due_cents > 0]
        if invoices:
            client_accounts.write_off(self.trainer.id, invoices[pick % len(invoices)].id, "t", "Gone")

    # What always holds ---------------------------------------------------------------------------------
    # One invariant over one read of the books (a handful of queries a step), so that enough steps run
    # on PostgreSQL in well under a minute.

    @invariant()
    def the_books_balance(self):
        db.session.expire_all()
        trainer_id = self.trainer.id
        invoices = {i.id: i for i in db.session.scalars(select(Invoice).where(Invoice.trainer_id == trainer_id))}
        payments = list(db.session.scalars(select(Payment).where(Payment.trainer_id == trainer_id)))
        allocations = list(db.session.scalars(select(PaymentAllocation).where(
            PaymentAllocation.trainer_id == trainer_id)))
        self._payments_give_no_more_than_they_hold(payments, allocations, invoices)
        self._no_invoice_is_over_allocated(invoices, allocations)
        self._balance_is_entries_and_due_less_credit(invoices)
        self._pack_credits_never_go_negative(invoices)
        self._each_membership_cycle_is_billed_once()

    def _payments_give_no_more_than_they_hold(self, payments, allocations, invoices):
        """Sum of allocations equals the payments applied: every cent a payment holds is on a live invoice
        or is the client's credit on account, and none is on another client's invoice."""
        by_payment = {p.id: p for p in payments}
        for payment in payments:
            assert sum(a.amount_cents for a in allocations if a.payment_id == payment.id) \
                <= ledger.holds_cents(payment)
        for a in allocations:
            assert a.client_id == by_payment[a.payment_id].client_id == invoices[a.invoice_id].client_id
        credit = dict.fromkeys((c.id for c in self.clients), 0)
        for payment, cents in ledger.credit_sources(list(credit)):
            credit[payment.client_id] += cents
        self.credit = credit
        for client_id, client_credit in credit.items():
            held = sum(ledger.holds_cents(p) for p in payments if p.client_id == client_id)
            on_live = sum(a.amount_cents for a in allocations if a.client_id == client_id
                          and invoices[a.invoice_id].status != InvoiceStatus.void)
            assert held == on_live + client_credit

    def _no_invoice_is_over_allocated(self, invoices, allocations):
        for invoice in invoices.values():
            allocated = sum(a.amount_cents for a in allocations if a.invoice_id == invoice.id)
            assert allocated == invoice.paid_cents
            if invoice.status == InvoiceStatus.draft:
                assert allocated == 0
                continue
            assert 0 <= invoice.paid_cents + invoice.written_off_cents <= invoice.total_cents
            if invoice.status != InvoiceStatus.void:
                covered = invoice.paid_cents + invoice.written_off_cents >= invoice.total_cents
                assert (invoice.status == InvoiceStatus.paid) == covered

    def _balance_is_entries_and_due_less_credit(self, invoices):
        entries = dict(db.session.execute(select(LedgerEntry.client_id, func.sum(LedgerEntry.amount_cents)).where(
            LedgerEntry.trainer_id == self.trainer.id).group_by(LedgerEntry.client_id)).all())
        for client in self.clients:
            due = sum(i.due_cents for i in invoices.values() if i.client_id == client.id
                      and i.status in (InvoiceStatus.open, InvoiceStatus.paid))
            assert ledger.balance_cents(client.id) == entries.get(client.id, 0) == due - self.credit[client.id]

    def _pack_credits_never_go_negative(self, invoices):
        lots = list(db.session.scalars(select(CreditLot).where(CreditLot.trainer_id == self.trainer.id)))
        if self.usable_on == "payment":  # a pack covers sessions only while the invoice that sold it is paid
            assert all(invoices[lot.invoice_id].status == InvoiceStatus.paid for lot in lots
                       if lot.membership_id is None and lot.voided_at is None and lot.usable_from is not None)
        uses = db.session.execute(select(CreditUse.lot_id, TrainingSession.status, TrainingSession.client_id).join(
            TrainingSession, TrainingSession.id == CreditUse.session_id).where(
            CreditUse.trainer_id == self.trainer.id)).all()
        for lot in lots:
            used = sum(1 for lot_id, _, _ in uses if lot_id == lot.id)
            assert 0 <= used <= lot.sessions_total
            if lot.voided_at is not None:
                assert used == 0
        by_id = {lot.id: lot for lot in lots}
        for lot_id, status, client_id in uses:  # a cancelled session gave its credit back
            assert status != SessionStatus.cancelled and client_id == by_id[lot_id].client_id

    def _each_membership_cycle_is_billed_once(self):
        cycles = list(db.session.scalars(select(MembershipCycle).where(
            MembershipCycle.trainer_id == self.trainer.id).order_by(MembershipCycle.membership_id,
                                                                    MembershipCycle.cycle_start)))
        for earlier, later in zip(cycles, cycles[1:]):
            if earlier.membership_id == later.membership_id:
                assert earlier.cycle_end <= later.cycle_start  # no day of a membership in two cycles
        assert len({c.invoice_line_id for c in cycles}) == len(cycles)
        # A voided invoice's cycles go back to the draft with their lines: each is billed by a live invoice.
        billed_on = dict(db.session.execute(select(InvoiceLine.id, Invoice.status).join(
            Invoice, Invoice.id == InvoiceLine.invoice_id).where(
            InvoiceLine.id.in_([c.invoice_line_id for c in cycles]))).all())
        assert all(billed_on.get(c.invoice_line_id) not in (None, InvoiceStatus.void) for c in cycles)
        assert all(0 <= c.credited_cents <= c.charged_cents for c in cycles)
        # A cycle is on one live invoice (draft, open or paid) at most: a void one's lines go back to the
        # draft, once; and no renewal line is billed without its cycle's row.
        lines = db.session.execute(select(Invoice.client_id, InvoiceLine.description).join(
            Invoice, Invoice.id == InvoiceLine.invoice_id).where(
            InvoiceLine.trainer_id == self.trainer.id, Invoice.status != InvoiceStatus.void,
            InvoiceLine.removed_at.is_(None), InvoiceLine.description.like("Membership · %"),
            InvoiceLine.description.not_like("%(changed from %"))).all()
        assert len(lines) == len(set(lines))
        assert len(lines) <= len(cycles)


def test_the_ledger_balances_after_any_sequence_of_money_movements(app):
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=12, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
