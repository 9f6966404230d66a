"""The one place that parses and formats money. Amounts are integer cents everywhere else."""
import re
from decimal import Decimal, InvalidOperation

MAX_AMOUNT_CENTS = 1_000_000  # $10,000
CURRENCY_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£"}
SUPPORTED_CURRENCIES = ("USD", "CAD", "AUD", "EUR", "GBP")
MINUS_SIGN = "−"  # U+2212, what format_cents writes

# Digits with an optional point; a comma only between groups of three ("1,045.50", never "45,50",
# which in much of Europe means 45.50 and must not silently become 4,550). No exponents.
_AMOUNT = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?")


class MoneyError(ValueError):
    """A human-readable reason why a typed amount was refused."""


def _is_cents(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_cents(text: str | None, *, allow_negative: bool = False,
                max_cents: int = MAX_AMOUNT_CENTS) -> int:
    """'45', '45.5', '$1,045.50' -> cents. Refuses more than two decimals rather than rounding."""
    raw = (text or "").strip()
    for symbol in set(CURRENCY_SYMBOLS.values()):
        raw = raw.replace(symbol, "")
    raw = re.sub(r"\s", "", raw).replace(MINUS_SIGN, "-")
    if not raw:
        raise MoneyError("Enter an amount.")
    if not _AMOUNT.fullmatch(raw) or not any(c.isdigit() for c in raw):
        raise MoneyError("Enter an amount like 45 or 45.50.")
    try:
        amount = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise MoneyError("Enter an amount like 45 or 45.50.") from None
    if amount.as_tuple().exponent < -2:
        raise MoneyError("Use at most two decimal places.")
    if amount < 0 and not allow_negative:
        raise MoneyError("The amount cannot be negative.")
    # Compared before scaling: a thousand-digit amount is refused, not multiplied.
    if abs(amount) > Decimal(max_cents) / 100:
        raise MoneyError(f"The amount cannot be more than {format_cents(max_cents)}.")
    return int(amount.scaleb(2))


def format_cents(cents: int, currency: str = "USD") -> str:
    """1234567 -> '$12,345.67'; negative amounts as '−$5.00'."""
    if not _is_cents(cents):
        raise TypeError("money is integer cents")
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    sign = MINUS_SIGN if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    text = f"{sign}{symbol}{whole:,}.{part:02d}"
    return text if symbol else f"{text} {currency}"


def cents_to_input(cents: int | None) -> str:
    """Value for an input field: 4500 -> '45.00'."""
    if cents is None:
        return ""
    if not _is_cents(cents):
        raise TypeError("money is integer cents")
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
