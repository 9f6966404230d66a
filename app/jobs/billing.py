"""The clock's billing tick and the job of one billing run. Arguments are ids: a wire format, kept stable."""
from app.models.types import utcnow
from app.services import billing_runs


def tick_billing():
    """Writes the runs whose billing time has passed (once per trainer and period) and enqueues them."""
    return f"{len(billing_runs.tick(utcnow()))} billing runs enqueued"


def run_billing(run_id: int):
    """Bills one period; a second run of the same row does nothing."""
    run = billing_runs.run_billing(run_id)
    return f"{run.invoice_count} invoices" if run else "already done"
