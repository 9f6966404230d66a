"""The one place that parses and formats money. Amounts are integer cents everywhere else."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_AMOUNT_CENTS = 1_000_000  # $10,000
CURRENCY_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£"}
SUPPORTED_CURRENCIES = ("USD", "CAD", "AUD", "EUR", "GBP")


class MoneyError(ValueError):
    """A human-readable reason why a typed amount was refused."""


def parse_cents(text: str | None, *, allow_negative: bool = False,
                max_cents: int = MAX_AMOUNT_CENTS) -> int:
    """'45', '45.5', '$1,045.50' -> cents. Refuses more than two decimals rather than rounding."""
    raw = (text or "").strip().replace(",", "").replace("$", "").replace(" ", "")
    if not raw:
        raise MoneyError("Enter an amount.")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise MoneyError("Enter an amount like 45 or 45.50.") from None
    if not amount.is_finite():
        raise MoneyError("Enter an amount like 45 or 45.50.")
    if amount.as_tuple().exponent < -2:
        raise MoneyError("Use at most two decimal places.")
    cents = int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))
    if cents < 0 and not allow_negative:
        raise MoneyError("The amount cannot be negative.")
    if abs(cents) > max_cents:
        raise MoneyError(f"The amount cannot be more than {format_cents(max_cents)}.")
    return cents


def format_cents(cents: int, currency: str = "USD") -> str:
    """1234567 -> '$12,345.67'; negative amounts as '−$5.00'."""
    if not isinstance(cents, int):
        raise TypeError("money is integer cents")
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    sign = "−" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    text = f"{sign}{symbol}{whole:,}.{part:02d}"
    return text if symbol else f"{text} {currency}"


def cents_to_input(cents: int | None) -> str:
    """Value for an input field: 4500 -> '45.00'."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
