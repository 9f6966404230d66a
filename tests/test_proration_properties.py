"""Proration is exact to the cent, whatever the plan, the dates, the month or daylight saving."""
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st

from app import proration
from app.billing_cycles import BIWEEKLY, CADENCES, MONTHLY, WEEKLY, cycle_containing, cycles_between, next_cycle

prices = st.integers(min_value=0, max_value=2_500_000)
days_in_period = st.integers(min_value=1, max_value=62)
dates = st.dates(min_value=date(1999, 1, 1), max_value=date(2101, 12, 31))
zones = st.sampled_from(["America/New_York", "America/Los_Angeles", "Europe/London", "Australia/Sydney",
                         "Pacific/Chatham", "America/St_Johns", "UTC"])


@given(prices, days_in_period, st.data())
def test_a_period_cut_at_any_days_adds_up_to_its_price(price, n, data):
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=n), max_size=12))
    parts = proration.split(price, n, cuts)
    assert sum(parts) == price
    assert all(p >= 0 for p in parts)


@given(prices, days_in_period, st.data())
def test_each_part_is_within_half_a_cent_of_its_exact_share(price, n, data):
    a = data.draw(st.integers(min_value=0, max_value=n))
    b = data.draw(st.integers(min_value=a, max_value=n))
    exact = Fraction(price * (b - a), n)
    assert abs(proration.part(price, n, a, b) - exact) <= 1  # each end rounds by at most half a cent
    assert abs(proration.share(price, n, b) - Fraction(price * b, n)) <= Fraction(1, 2)


def test_half_a_cent_rounds_up():
    assert proration.share(101, 2, 1) == 51  # 50.5 cents
    assert proration.share(100, 3, 1) == 33
    assert proration.share(100, 3, 2) == 67
    assert proration.split(100, 3, [1, 2]) == [33, 34, 33]


@given(st.sampled_from(CADENCES), dates, dates, prices, prices)
def test_an_upgrade_then_a_downgrade_on_the_same_day_nets_zero(cadence, anchor, day, old_price, new_price):
    cycle = cycle_containing(cadence, anchor, day)
    d = cycle.offset(day)
    upgrade = proration.part(new_price, cycle.days, d, cycle.days) - proration.part(old_price, cycle.days, d, cycle.days)
    downgrade = proration.part(old_price, cycle.days, d, cycle.days) - proration.part(new_price, cycle.days, d, cycle.days)
    assert upgrade + downgrade == 0


@given(st.sampled_from(CADENCES), dates, dates, st.integers(min_value=0, max_value=40), prices)
def test_a_credit_never_exceeds_what_was_paid_for_the_period(cadence, anchor, started, later_days, price):
    """Started mid-cycle (a prorated first charge), cancelled later in the same cycle: the credit for
    the unused days is at most what the client paid for that cycle."""
    cycle = cycle_containing(cadence, anchor, started)
    paid = proration.part(price, cycle.days, cycle.offset(started), cycle.days)
    cancelled = min(started + timedelta(days=later_days), cycle.end - timedelta(days=1))
    credit = proration.part(price, cycle.days, cycle.offset(cancelled), cycle.days)
    assert 0 <= credit <= paid <= price


@given(st.sampled_from(CADENCES), dates, dates)
def test_cycles_tile_the_calendar(cadence, anchor, day):
    cycle = cycle_containing(cadence, anchor, day)
    assert day in cycle
    following = next_cycle(cadence, anchor, cycle)
    assert following.start == cycle.end
    assert {WEEKLY: {7}, BIWEEKLY: {14}, MONTHLY: {28, 29, 30, 31}}[cadence] >= {cycle.days}


@given(dates, st.integers(min_value=1, max_value=31))
def test_a_monthly_anchor_on_a_late_day_falls_back_in_short_months_and_returns_after(day, anchor_day):
    anchor = date(2024, 1, anchor_day)
    cycle = cycle_containing(MONTHLY, anchor, day)
    assert cycle.start.day == anchor_day or cycle.start.day < anchor_day and \
        (cycle.start + timedelta(days=1)).month != cycle.start.month


def test_a_leap_february_is_a_29_day_cycle():
    cycle = cycle_containing(MONTHLY, date(2024, 1, 1), date(2024, 2, 10))
    assert (cycle.start, cycle.end, cycle.days) == (date(2024, 2, 1), date(2024, 3, 1), 29)
    assert proration.part(29_00, cycle.days, cycle.offset(date(2024, 2, 29)), cycle.days) == 1_00


@given(zones, st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       st.integers(min_value=0, max_value=24 * 40), prices, st.sampled_from(CADENCES))
def test_days_are_counted_in_the_trainers_zone_across_daylight_saving(zone_name, start, hours, price, cadence):
    """Two moments a few days apart, read as local dates in a zone with daylight saving: the cycle
    split at the local date of each adds up to the price, whatever the clocks did in between."""
    zone = ZoneInfo(zone_name)
    first = start.replace(tzinfo=timezone.utc)
    second = first + timedelta(hours=hours)
    first_day, second_day = first.astimezone(zone).date(), second.astimezone(zone).date()
    cycle = cycle_containing(cadence, first_day, first_day)
    cuts = [cycle.offset(first_day), cycle.offset(second_day)]
    assert sum(proration.split(price, cycle.days, cuts)) == price


def test_cycles_between_lists_the_cycles_starting_in_a_range():
    anchor = date(2026, 1, 31)
    starts = [c.start for c in cycles_between(MONTHLY, anchor, date(2026, 1, 1), date(2026, 5, 31))]
    assert starts == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)]
