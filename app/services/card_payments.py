"""Card payments through Stripe Connect (checkout on the trainer's own account, webhooks)."""
from app.models import Trainer


def card_payments_available(trainer: Trainer) -> bool:
    """Whether the public page offers "Pay by card" for this trainer's invoices."""
    return False
