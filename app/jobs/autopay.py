"""Auto-pay's jobs: the clock's daily check of saved cards (see app.services.autopay_links), one charge job
per (invoice, attempt number), and the clock's sweep for attempts now due. Arguments are ids: a wire format,
kept stable. Each card's expiry is asked about once (AutopayCard.expiry_notice_for and the messages' dedupe
keys), and each attempt is tried once, so a second run does nothing."""
from app.models.types import utcnow
from app.services import autopay_charges, autopay_links


def check_expiring_cards():
    """Asks each client on auto-pay whose card expires within 30 days for a new one, once per card expiry."""
    return f"asked {autopay_links.ask_for_new_cards(utcnow().date())} clients for a new card"


def charge_invoice(invoice_id: int, attempt_no: int):
    """Tries attempt `attempt_no` of the invoice once; a replay finds it tried."""
    return autopay_charges.charge(invoice_id, attempt_no)


def sweep_due_charges():
    """Enqueues the charge attempts whose retry day has come."""
    return f"{autopay_charges.enqueue_due(utcnow())} charges enqueued"
