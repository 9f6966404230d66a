"""A Checkout Session stays payable at Stripe until it is paid or expired. When an invoice no longer
wants what an open session asks for (it was voided, paid another way, or what is due changed), a job
expires that session at Stripe once the change has committed, so nobody can pay it any more."""
import logging

from rq import Retry
from sqlalchemy import select

from app.extensions import db
from app.jobs import get_queue
from app.models import CheckoutAttempt, Invoice

log = logging.getLogger(__name__)
EXPIRE_JOB = "app.jobs.checkouts.expire_stale_checkouts"
RETRY_INTERVALS = [10, 30, 60, 300, 900]  # Stripe out of reach: tried again for about twenty minutes


def stale_checkouts(invoice: Invoice) -> list[CheckoutAttempt]:
    """The invoice's open sessions that no longer ask for what is due (nothing is, once void or paid)."""
    return list(db.session.scalars(select(CheckoutAttempt).where(
        CheckoutAttempt.invoice_id == invoice.id, CheckoutAttempt.status == "open",
        CheckoutAttempt.amount_cents != invoice.due_cents).order_by(CheckoutAttempt.attempt_no)))


def expire_stale_checkouts_later(invoice_id: int) -> None:
    """Called after a commit that changed what the invoice wants: enqueues the job that expires its
    stale sessions, if it has any. If Redis refuses, the session expires at Stripe by itself within a
    day, and a payment made on it meanwhile is flagged for a refund."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or not stale_checkouts(invoice):
        return
    try:
        get_queue().enqueue(EXPIRE_JOB, invoice_id, retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                            description=f"expire the stale checkout sessions of invoice {invoice_id}")
    except Exception:  # committed already; the trainer's change stands
        log.exception("could not enqueue the expiry of invoice %s's checkout sessions", invoice_id)
