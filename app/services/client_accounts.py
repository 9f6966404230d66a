"""A client's account as the trainer runs it: payments over several invoices, credits, refunds of
credit on account, write-offs, and the statement. Each use case commits once."""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Trainer, Client, Invoice, InvoiceStatus, LedgerEntry, Payment, PaymentMethod, PaymentStatus
from app.models.types import utcnow
from app.money import format_cents
from app.services import ServiceError, form_keys, ledger
from app.services.audit import record_event
from app.services.payments import MANUAL_METHODS, METHOD_LABELS, _after_commit, lock_invoice, refresh_paid_status
from app.tenancy import require_owned
from app.timefmt import local_today

STATEMENT_DAYS = 90  # the statement starts this many days back unless another day is chosen
REFUNDABLE = (PaymentMethod.cash, PaymentMethod.check, PaymentMethod.venmo, PaymentMethod.other)


def _trainer(trainer_id: int) -> Trainer:
    return db.session.get(Trainer, trainer_id)


def open_invoices(trainer_id: int, client_id: int) -> list[Invoice]:
    """The client's sent invoices with something still due, oldest first."""
    rows = db.session.scalars(select(Invoice).where(
        Invoice.trainer_id == trainer_id, Invoice.client_id == client_id, Invoice.status == InvoiceStatus.open)
        .order_by(Invoice.issue_date, Invoice.number))
    return [invoice for invoice in rows if invoice.due_cents > 0]


def _locked_open_invoices(trainer_id: int, client_id: int) -> list[Invoice]:
    return [lock_invoice(invoice.id) for invoice in open_invoices(trainer_id, client_id)]


def record_client_payment(trainer_id: int, client_id: int, actor: str, *, amount_cents: int, method: PaymentMethod,
                          received_on: date, note: str = "", split: dict[int, int] | None = None,
                          form_key: str | None = None) -> Payment:
    """One payment over the client's open invoices: the amounts chosen per invoice (`split`), or
    oldest first. What no invoice needs is credit on account."""
    if amount_cents <= 0:
        raise ServiceError("The amount must be more than zero.", "amount")
    if method not in MANUAL_METHODS:
        raise ServiceError("Pick cash, check, Venmo or other.", "method")
    client = require_owned(Client, trainer_id, client_id)
    ledger.lock_accounts([client.id])
    invoices = _locked_open_invoices(trainer_id, client.id)
    plan = _plan_split(invoices, amount_cents, split)
    payment = Payment(trainer_id=trainer_id, client_id=client.id, invoice_id=plan[0][0].id if plan else None,
                      method=method, amount_cents=amount_cents, received_on=received_on,
                      note=(note or "").strip()[:200], recorded_by=actor, status=PaymentStatus.succeeded)
    db.session.add(payment)
    db.session.flush()
    ledger.enter(payment, "payment_received", -amount_cents, received_on, payment_id=payment.id,
                 note=METHOD_LABELS[method])
    receipts = []
    for invoice, cents in plan:
        ledger.allocate(payment, invoice, cents)
        record_event(invoice.id, trainer_id, actor, "payment_recorded",
                     to_value=f"{format_cents(cents, invoice.currency)} · {METHOD_LABELS[method]}", reason=payment.note)
        receipts.append(refresh_paid_status(invoice))
    payment, recorded = form_keys.commit_once(trainer_id, form_key, payment)
    if recorded:
        for (invoice, _), receipt in zip(plan, receipts):
            _after_commit(invoice.id, receipt)
    return payment


def _plan_split(invoices: list[Invoice], amount_cents: int, split: dict[int, int] | None) -> list[tuple[Invoice, int]]:
    if split is None:
        plan, left = [], amount_cents
        for invoice in invoices:
            take = min(left, invoice.due_cents)
            if take > 0:
                plan.append((invoice, take))
                left -= take
        return plan
    by_id = {invoice.id: invoice for invoice in invoices}
    if any(invoice_id not in by_id for invoice_id in split):
        db.session.rollback()
        raise ServiceError("An invoice in this split is no longer open. Check the amounts again.", "amount")
    if any(cents < 0 for cents in split.values()):
        db.session.rollback()
        raise ServiceError("An amount applied to an invoice cannot be negative.", "amount")
    if sum(split.values()) > amount_cents:
        db.session.rollback()
        raise ServiceError(f"The amounts applied add up to more than the payment of "
                           f"{format_cents(amount_cents)}.", "amount")
    for invoice_id, cents in split.items():
        if cents > by_id[invoice_id].due_cents:
            db.session.rollback()
            raise ServiceError(f"Invoice #{by_id[invoice_id].number} has only "
                               f"{format_cents(by_id[invoice_id].due_cents)} due.", "amount")
    return [(by_id[i], cents) for i, cents in split.items() if cents > 0]


def issue_credit(trainer_id: int, client_id: int, actor: str, *, amount_cents: int, reason: str,
                 form_key: str | None = None) -> Payment:
    """A credit the trainer gives the client (a missed session, a goodwill gesture): applied to the
    client's open invoices, oldest first. Never more than the client owes."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why you are giving this credit.", "reason")
    if amount_cents <= 0:
        raise ServiceError("The credit must be more than zero.", "amount")
    client = require_owned(Client, trainer_id, client_id)
    ledger.lock_accounts([client.id])
    invoices = _locked_open_invoices(trainer_id, client.id)
    owed = ledger.balance_cents(client.id)
    if amount_cents > owed:
        db.session.rollback()
        raise ServiceError(f"{client.name} owes {format_cents(max(owed, 0))}: a credit can be at most that."
                           if owed > 0 else f"{client.name} owes nothing: there is nothing to credit.", "amount")
    today = local_today(_trainer(trainer_id).timezone)
    credit = Payment(trainer_id=trainer_id, client_id=client.id, invoice_id=None, method=PaymentMethod.credit,
                     amount_cents=amount_cents, received_on=today, note=reason[:200], recorded_by=actor,
                     status=PaymentStatus.succeeded)
    db.session.add(credit)
    db.session.flush()
    ledger.enter(credit, "credit_issued", -amount_cents, today, payment_id=credit.id, note=reason)
    _apply_to_open(invoices, credit, today, actor)
    return form_keys.commit_once(trainer_id, form_key, credit)[0]


def give_credit(trainer_id: int, client_id: int, actor: str, *, amount_cents: int, reason: str,
                on_day: date) -> Payment:
    """A credit the client is owed by a rule rather than a gesture (the unused part of a membership
    cycle they paid for): a credit issued, applied to open invoices oldest first, the rest credit on
    account applied at the next Send. No ceiling at what they owe; part of the caller's transaction."""
    ledger.lock_accounts([client_id])
    invoices = _locked_open_invoices(trainer_id, client_id)
    credit = Payment(trainer_id=trainer_id, client_id=client_id, invoice_id=None, method=PaymentMethod.credit,
                     amount_cents=amount_cents, received_on=on_day, note=reason[:200], recorded_by=actor,
                     status=PaymentStatus.succeeded)
    db.session.add(credit)
    db.session.flush()
    ledger.enter(credit, "credit_issued", -amount_cents, on_day, payment_id=credit.id, note=reason)
    _apply_to_open(invoices, credit, on_day, actor)
    return credit


def _apply_to_open(invoices: list[Invoice], credit: Payment, today: date, actor: str) -> None:
    for invoice in invoices:
        applied = ledger.allocate(credit, invoice, credit.amount_cents)
        if applied:
            ledger.enter(invoice, "credit_applied", 0, today, invoice_id=invoice.id, applied_cents=applied,
                         note=credit.note)
            record_event(invoice.id, invoice.trainer_id, actor, "credit_applied",
                         to_value=format_cents(applied, invoice.currency), reason=credit.note)
            refresh_paid_status(invoice)  # a credit is not money received: no receipt


def refundable_credit_cents(client_id: int) -> int:
    """Credit on account that came as money the trainer can hand back (cash, check, Venmo, other)."""
    return sum(cents for payment, cents in ledger.credit_sources([client_id]) if payment.method in REFUNDABLE)


def refund_credit(trainer_id: int, client_id: int, actor: str, *, amount_cents: int, reason: str = "") -> int:
    """The trainer hands back credit on account, oldest money first; each payment it came from
    records its refund. Returns what was refunded."""
    client = require_owned(Client, trainer_id, client_id)
    ledger.lock_accounts([client.id])
    sources = [(p, c) for p, c in ledger.credit_sources([client.id]) if p.method in REFUNDABLE]
    available = sum(cents for _, cents in sources)
    if not 0 < amount_cents <= available:
        db.session.rollback()
        raise ServiceError(f"Refund between $0.01 and {format_cents(available)} of credit on account."
                           if available else f"{client.name} has no credit on account to refund.", "amount")
    today, left = local_today(_trainer(trainer_id).timezone), amount_cents
    for payment, cents in sources:
        take = min(left, cents)
        if take <= 0:
            break
        payment.refunded_cents += take
        if payment.refunded_cents == payment.amount_cents:
            payment.status = PaymentStatus.refunded
        if take == cents:
            payment.refund_flag = ""  # what it was flagged for has gone back
        ledger.enter(payment, "refund", take, today, payment_id=payment.id,
                     note=(reason or "").strip() or "Credit on account refunded")
        for invoice_id in ledger.fit_allocations(payment):
            refresh_paid_status(lock_invoice(invoice_id))
        if payment.invoice_id is not None:
            record_event(payment.invoice_id, trainer_id, actor, "refund",
                         to_value=f"{format_cents(take)} of credit on account", reason=(reason or "").strip()[:200])
        left -= take
    db.session.commit()
    return amount_cents


def write_off(trainer_id: int, invoice_id: int, actor: str, reason: str) -> Invoice:
    """The trainer gives up what is still due on an invoice: it is closed, and shown as written off."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why you are writing this off.", "reason")
    invoice = lock_invoice(require_owned(Invoice, trainer_id, invoice_id).id)
    due = invoice.due_cents
    if invoice.status != InvoiceStatus.open or due <= 0:
        db.session.rollback()
        raise ServiceError("Only an open invoice with something due can be written off.")
    invoice.written_off_cents = (invoice.written_off_cents or 0) + due
    invoice.written_off_at = utcnow()
    ledger.enter(invoice, "written_off", -due, local_today(invoice.trainer.timezone), invoice_id=invoice.id,
                 note=reason)
    record_event(invoice.id, trainer_id, actor, "written_off", to_value=format_cents(due, invoice.currency),
                 reason=reason[:200])
    invoice.status, invoice.paid_at = InvoiceStatus.paid, utcnow()
    db.session.commit()
    return invoice


@dataclass
class StatementRow:
    entry: LedgerEntry
    invoice_number: int | None
    balance_cents: int


@dataclass
class Statement:
    start: date
    opening_cents: int
    rows: list[StatementRow]
    closing_cents: int
    credit_cents: int


def statement(trainer_id: int, client_id: int, start: date | None, end: date | None = None) -> Statement:
    """The client's account from `start` (None: STATEMENT_DAYS back from today in her zone) to `end`, included,
    when given: the balance brought forward, every entry since with the running balance, the closing balance
    and the credit on account. Three queries, whatever the length."""
    client = require_owned(Client, trainer_id, client_id)
    if start is None:
        start = local_today(_trainer(trainer_id).timezone) - timedelta(days=STATEMENT_DAYS)
    opening = int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
        LedgerEntry.client_id == client.id, LedgerEntry.occurred_on < start)))
    rows, running = [], opening
    for entry, number in db.session.execute(
            select(LedgerEntry, Invoice.number).outerjoin(Invoice, Invoice.id == LedgerEntry.invoice_id)
            .where(LedgerEntry.client_id == client.id, LedgerEntry.occurred_on >= start,
                   LedgerEntry.occurred_on <= (end or date.max))
            .order_by(LedgerEntry.occurred_on, LedgerEntry.id)):
        running += entry.amount_cents
        rows.append(StatementRow(entry, number, running))
    return Statement(start, opening, rows, running, ledger.credit_cents(client.id))
