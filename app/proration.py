"""Proration, exact to the cent: a period's price split over its days.

One rounding rule everywhere: the share of a price for the first `d` of `n` days is the price times
d/n rounded half up, and the part for the days from `a` to `b` is share(b) minus share(a). Parts
cut from one period therefore always add up to its whole price (the remainders are handed out by
the cumulative rounding, never lost or invented), each part is within half a cent of its exact
value, and crediting then charging the same days nets to zero.
"""


def share(price_cents: int, total_days: int, days: int) -> int:
    """The price of the first `days` of a period of `total_days`, rounded half up. Integers only."""
    if total_days <= 0:
        raise ValueError("a period has at least one day")
    if not 0 <= days <= total_days:
        raise ValueError("days must lie within the period")
    if price_cents < 0:
        return -share(-price_cents, total_days, days)
    return (2 * price_cents * days + total_days) // (2 * total_days)


def part(price_cents: int, total_days: int, from_day: int, to_day: int) -> int:
    """The price of days [from_day, to_day) of the period (day 0 is its first day)."""
    if from_day > to_day:
        raise ValueError("a part ends after it starts")
    return share(price_cents, total_days, to_day) - share(price_cents, total_days, from_day)


def split(price_cents: int, total_days: int, cuts: list[int]) -> list[int]:
    """The period cut at the given days, as one price per piece; the pieces add up to the price."""
    bounds = [0, *sorted(set(cuts)), total_days]
    return [part(price_cents, total_days, a, b) for a, b in zip(bounds, bounds[1:])]
