"""Auto-pay's Stripe jobs. Their arguments are invoice ids: a wire format, kept stable."""
from app.services import autopay_cycle, stripe_sync


def sync_stripe_invoice(invoice_id: int):
    """Brings the draft's Stripe current invoice in line with it; a second run with nothing changed writes nothing."""
    return stripe_sync.sync_invoice(invoice_id)


def sweep_stripe_sync(drift_check: bool = False):
    """Enqueues a sync for every auto-pay draft that lags (or, for the drift check, every one)."""
    return f"{stripe_sync.sweep(drift_check)} syncs enqueued"


def finalize_autopay_invoice(invoice_id: int):
    """Final sync, finalize at Stripe and the first charge of a sent auto-pay invoice; a second run does nothing."""
    return autopay_cycle.finalize_sent_invoice(invoice_id)
