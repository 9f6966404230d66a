"""The job behind a stale Checkout Session. Its argument is the invoice id: a wire format, kept stable."""
from app.services.card_payments import expire_stale_checkouts as expire


def expire_stale_checkouts(invoice_id: int):
    """Expires at Stripe the invoice's sessions that no longer ask for what is due. Stripe out of reach
    raises, and RQ's Retry runs it again; a second run finds nothing left to expire."""
    return f"{expire(invoice_id)} checkout sessions expired"
