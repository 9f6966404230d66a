"""The clock's daily check of saved cards (see app.services.autopay_links). Each card's expiry is asked
about once (AutopayCard.expiry_notice_for and the messages' dedupe keys), so a second run does nothing."""
from app.models.types import utcnow
from app.services import autopay_links


def check_expiring_cards():
    """Asks each client on auto-pay whose card expires within 30 days for a new one, once per card expiry."""
    return f"asked {autopay_links.ask_for_new_cards(utcnow().date())} clients for a new card"
