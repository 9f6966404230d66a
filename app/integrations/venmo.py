"""Venmo pay links. Venmo has no API to confirm a payment, only links that open a prefilled payment."""
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from app.money import cents_to_input


@dataclass
class VenmoLinks:
    web: str   # works everywhere; on a phone with the app installed it opens the app
    app: str   # opens the Venmo app directly (phones only)


def pay_links(handle: str, amount_cents: int, note: str) -> VenmoLinks:
    """Recipient, amount and note filled in."""
    handle = handle.lstrip("@")
    amount = cents_to_input(amount_cents)
    web = f"https://venmo.com/{quote(handle)}?" + urlencode({"txn": "pay", "amount": amount, "note": note})
    app = "venmo://paycharge?" + urlencode({"txn": "pay", "recipients": handle, "amount": amount, "note": note})
    return VenmoLinks(web=web, app=app)
