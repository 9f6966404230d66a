"""Auto-pay charges: one job per (invoice, attempt number), and the clock's sweep for attempts now due.
Arguments are ids: a wire format, kept stable."""
from app.models.types import utcnow
from app.services import autopay_charges


def charge_invoice(invoice_id: int, attempt_no: int):
    """Tries attempt `attempt_no` of the invoice once; a replay finds it tried."""
    return autopay_charges.charge(invoice_id, attempt_no)


def sweep_due_charges():
    """Enqueues the charge attempts whose retry day has come."""
    return f"{autopay_charges.enqueue_due(utcnow())} charges enqueued"
