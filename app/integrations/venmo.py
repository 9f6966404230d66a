"""Venmo pay links. Venmo has no API to confirm a payment, only links that open a prefilled payment."""
from urllib.parse import quote, urlencode

from app.money import cents_to_input


def pay_link(handle: str, amount_cents: int, note: str, in_app: bool) -> str:
    """Recipient, amount and note filled in: the `venmo://` link opens the app (phones), the https one
    Venmo's web page (everywhere else)."""
    handle = handle.lstrip("@")
    amount = cents_to_input(amount_cents)
    if in_app:
        return "venmo://paycharge?" + urlencode({"txn": "pay", "recipients": handle, "amount": amount, "note": note})
    return f"https://venmo.com/{quote(handle)}?" + urlencode({"txn": "pay", "amount": amount, "note": note})
