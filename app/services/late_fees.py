"""Late fees (off unless the trainer sets them): fixed or a percent of the invoice, added once as a line
N days after the due date, with an audit event; the client's next reminder says so."""
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceStatus, LateFee, Trainer
from app.models.types import utcnow
from app.money import format_cents
from app.services import ServiceError
from app.services.audit import record_event
from app.services.payments import lock_invoice
from app.timefmt import to_local

KINDS = ("fixed", "percent")
MAX_PERCENT_BPS = 10000  # 100%: never more than the invoice itself
MAX_FIXED_CENTS = 100000  # $1,000.00
ACTOR = "Spotter (late fee)"


def set_late_fee(trainer_id: int, kind: str | None, value: int, after_days: int) -> Trainer:
    """`kind` None turns late fees off. Refused, nothing changed: a negative or zero fee, a percent above
    100, a fixed fee above $1,000, or days outside 1-90."""
    trainer = db.session.get(Trainer, trainer_id)
    if kind is not None:
        if kind not in KINDS:
            raise ServiceError("Pick a fixed amount or a percent.", "late_fee_kind")
        if value <= 0:
            raise ServiceError("A late fee is more than zero.", "late_fee_value")
        if kind == "percent" and value > MAX_PERCENT_BPS:
            raise ServiceError("A late fee cannot be more than the invoice total (100%).", "late_fee_value")
        if kind == "fixed" and value > MAX_FIXED_CENTS:
            raise ServiceError("A fixed late fee is at most $1,000.00.", "late_fee_value")
        if not 1 <= after_days <= 90:
            raise ServiceError("Between 1 and 90 days after the due date.", "late_fee_after_days")
    trainer.late_fee_kind, trainer.late_fee_value = kind, value if kind else 0
    trainer.late_fee_after_days = after_days if kind else trainer.late_fee_after_days
    db.session.commit()
    return trainer


def fee_cents(trainer: Trainer, invoice: Invoice) -> int:
    """The fee for this invoice: never more than its total (lines before the fee)."""
    if trainer.late_fee_kind == "fixed":
        fee = trainer.late_fee_value
    elif trainer.late_fee_kind == "percent":
        fee = (invoice.total_cents * trainer.late_fee_value + 5000) // 10000  # half up, integers only
    else:
        return 0
    return max(0, min(fee, invoice.total_cents))


def add_due_late_fees(now: datetime | None = None) -> int:
    """Adds the fee to each open invoice late enough, once each. Returns how many were added."""
    now = now or utcnow()
    candidates = db.session.execute(
        select(Invoice.id, Trainer.id).join(Trainer, Trainer.id == Invoice.trainer_id)
        .where(Trainer.late_fee_kind.is_not(None), Invoice.status == InvoiceStatus.open,
               Invoice.due_date <= (now + timedelta(days=1)).date(),
               ~exists().where(LateFee.invoice_id == Invoice.id))).all()
    added = 0
    for invoice_id, trainer_id in candidates:
        trainer = db.session.get(Trainer, trainer_id)
        invoice = lock_invoice(invoice_id)
        today = to_local(now, invoice.client.timezone or trainer.timezone).date()
        fee = fee_cents(trainer, invoice)
        if invoice.status != InvoiceStatus.open or invoice.due_cents <= 0 or fee <= 0 or \
                invoice.due_date + timedelta(days=trainer.late_fee_after_days) > today:
            db.session.rollback()
            continue
        try:
            line = InvoiceLine(invoice_id=invoice.id, trainer_id=trainer.id, description="Late fee",
                               quantity=1, unit_price_cents=fee)
            db.session.add(line)
            db.session.flush()
            db.session.add(LateFee(invoice_id=invoice.id, line_id=line.id, amount_cents=fee))
            invoice.total_cents += fee
            record_event(invoice.id, trainer.id, ACTOR, "late_fee", line_id=line.id,
                         to_value=format_cents(fee, invoice.currency),
                         reason=f"{trainer.late_fee_after_days} days after the due date")
            db.session.commit()
            added += 1
        except IntegrityError:  # another clock added it first
            db.session.rollback()
    return added
