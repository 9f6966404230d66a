"""The client ledger's bookkeeping: entries for each money movement, and where a payment's money went.

These change the session and never commit: the service recording the movement commits them with it,
so an entry and the change it records are written together or not at all.
"""
from datetime import date

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Client, Invoice, InvoiceStatus, LedgerEntry, Payment, PaymentAllocation, PaymentMethod
from app.models.payment import COUNTED


def lock_accounts(client_ids: list[int]) -> None:
    """Holds the clients' rows until the commit, so that two changes of one client's credit on account
    (Send applying it, a refund of it, a credit given) are made one after the other, each on what the
    other left. An UPDATE: the row lock on PostgreSQL, the write lock on SQLite."""
    if client_ids:
        db.session.execute(update(Client).where(Client.id.in_(sorted(set(client_ids))))
                           .values(trainer_id=Client.trainer_id).execution_options(synchronize_session=False))


def enter(invoice_or_payment, kind: str, amount_cents: int, occurred_on: date, *, invoice_id: int | None = None,
          payment_id: int | None = None, note: str = "", applied_cents: int = 0) -> LedgerEntry:
    """Adds one entry to the client's account of `invoice_or_payment` (either carries trainer and client)."""
    row = LedgerEntry(trainer_id=invoice_or_payment.trainer_id, client_id=invoice_or_payment.client_id, kind=kind,
                      amount_cents=amount_cents, applied_cents=applied_cents, invoice_id=invoice_id,
                      payment_id=payment_id, occurred_on=occurred_on, note=(note or "")[:200])
    db.session.add(row)
    return row


def allocated_cents(payment_id: int, *, on_void: bool | None = None) -> int:
    """What of a payment sits on invoices: all of them, or only on void ones (True) or on live ones (False)."""
    stmt = select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0)).where(
        PaymentAllocation.payment_id == payment_id)
    if on_void is not None:
        void = PaymentAllocation.invoice_id.in_(select(Invoice.id).where(Invoice.status == InvoiceStatus.void))
        stmt = stmt.where(void if on_void else ~void)
    return int(db.session.scalar(stmt))


def holds_cents(payment: Payment) -> int:
    """What a payment still holds: the money that arrived less refunds; nothing if deleted or not arrived."""
    if payment.deleted_at is not None or payment.status not in COUNTED:
        return 0
    return payment.amount_cents - (payment.refunded_cents or 0)


def unallocated_cents(payment: Payment) -> int:
    """The payment's part of the client's credit on account: what no live invoice has taken. Money paid
    on an invoice since voided is the client's again (shown on that invoice until refunded or reused)."""
    return holds_cents(payment) - allocated_cents(payment.id, on_void=False)


def room_on(invoice: Invoice) -> int:
    """What an invoice can still take: its due if it is open, nothing once paid or void."""
    if invoice.status != InvoiceStatus.open:
        return 0
    return max(invoice.total_cents - invoice.paid_cents - (invoice.written_off_cents or 0), 0)


def allocate(payment: Payment, invoice: Invoice, amount_cents: int) -> int:
    """Applies up to `amount_cents` of the payment to the invoice (never more than either has room for);
    returns what was applied. The invoice's paid total is refreshed by the caller."""
    db.session.flush()
    amount = min(amount_cents, room_on(invoice), unallocated_cents(payment))
    if amount <= 0:
        return 0
    _add_allocation(payment, invoice, amount)
    return amount


def _add_allocation(payment: Payment, invoice: Invoice, amount: int) -> None:
    """Moves money paid on a void invoice first if that is where the rest of the payment sits."""
    free = holds_cents(payment) - allocated_cents(payment.id)
    if free < amount:
        _trim(payment, amount - free, void_only=True)
    existing = db.session.scalar(select(PaymentAllocation).where(
        PaymentAllocation.payment_id == payment.id, PaymentAllocation.invoice_id == invoice.id))
    if existing is None:
        db.session.add(PaymentAllocation(trainer_id=payment.trainer_id, client_id=payment.client_id,
                                         payment_id=payment.id, invoice_id=invoice.id, amount_cents=amount))
    else:
        existing.amount_cents += amount
    db.session.flush()


def fit_allocations(payment: Payment) -> list[int]:
    """After a refund or a deletion: allocations are trimmed to what the payment still holds. A refund
    takes the credit on account first, then money sitting on void invoices, then the latest invoices.
    Returns the invoices whose paid total fell."""
    db.session.flush()
    return _trim(payment, allocated_cents(payment.id) - holds_cents(payment))


def _trim(payment: Payment, over: int, void_only: bool = False) -> list[int]:
    stmt = (select(PaymentAllocation).join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.payment_id == payment.id)
            .order_by((Invoice.status == InvoiceStatus.void).desc(), PaymentAllocation.id.desc()))
    if void_only:
        stmt = stmt.where(Invoice.status == InvoiceStatus.void)
    touched = []
    for allocation in db.session.scalars(stmt):
        if over <= 0:
            break
        cut = min(over, allocation.amount_cents)
        over -= cut
        touched.append(allocation.invoice_id)
        if cut == allocation.amount_cents:
            db.session.delete(allocation)
        else:
            allocation.amount_cents -= cut
    db.session.flush()
    return touched


def credit_sources(client_ids: list[int]) -> list[tuple[Payment, int]]:
    """The clients' payments and credits with money no live invoice has taken, oldest first, with it."""
    live = (select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.amount_cents).label("cents"))
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(Invoice.status != InvoiceStatus.void, PaymentAllocation.client_id.in_(client_ids))
            .group_by(PaymentAllocation.payment_id).subquery())
    left = Payment.amount_cents - Payment.refunded_cents - func.coalesce(live.c.cents, 0)
    rows = db.session.execute(
        select(Payment, left).outerjoin(live, live.c.payment_id == Payment.id)
        .where(Payment.client_id.in_(client_ids), Payment.status.in_(COUNTED), Payment.deleted_at.is_(None),
               left > 0)
        .order_by(Payment.received_on, Payment.id)).all()
    return [(payment, int(cents)) for payment, cents in rows]


def credit_cents(client_id: int) -> int:
    """The client's credit on account: money paid (or credited) that no invoice has taken."""
    return sum(cents for _, cents in credit_sources([client_id]))


def balance_cents(client_id: int) -> int:
    """What the client owes, all told: the sum of the account's entries (negative: in credit)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
                                 .where(LedgerEntry.client_id == client_id)))


def apply_credit(invoices: list[Invoice], today: date) -> None:
    """Credit on account goes onto the clients' newly finalized invoices, oldest credit first, up to
    each invoice's total, with a `credit_applied` entry per invoice."""
    open_invoices = [i for i in invoices if i.status == InvoiceStatus.open]
    if not open_invoices:
        return
    db.session.flush()
    lock_accounts([i.client_id for i in open_invoices])
    sources: dict[int, list[list]] = {}
    for payment, cents in credit_sources(sorted({i.client_id for i in open_invoices})):
        sources.setdefault(payment.client_id, []).append([payment, cents])
    for invoice in open_invoices:
        applied = 0
        for source in sources.get(invoice.client_id, []):
            need = invoice.total_cents - applied
            take = min(need, source[1])
            if take <= 0:
                continue
            _add_allocation(source[0], invoice, take)
            source[1] -= take
            applied += take
            if source[1] == 0:
                source[0].refund_flag = ""  # the money it was flagged for has gone onto this invoice
        if applied:
            enter(invoice, "credit_applied", 0, today, invoice_id=invoice.id, applied_cents=applied,
                  note="Credit on account applied")
            if applied >= invoice.total_cents:
                invoice.status = InvoiceStatus.paid
                invoice.paid_at = invoice.finalized_at


def record_finalized(invoices: list[Invoice], today: date) -> None:
    """At Send: each invoice is charged to its client's account, then credit on account is applied."""
    for invoice in invoices:
        enter(invoice, "invoice_charged", invoice.total_cents, today, invoice_id=invoice.id)
    apply_credit(invoices, today)


def credit_applied_cents(invoice_id: int) -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.applied_cents), 0)).where(
        LedgerEntry.invoice_id == invoice_id, LedgerEntry.kind == "credit_applied")))


def is_credit(payment: Payment) -> bool:
    return payment.method == PaymentMethod.credit
