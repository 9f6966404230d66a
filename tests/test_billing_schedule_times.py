"""When a billing schedule is due, across month lengths and daylight saving changes (pure time math)."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from app.billing_cycles import BIWEEKLY, MONTHLY, WEEKLY
from app.billing_schedule import billing_moment, latest_due, schedule_anchor

UTC = timezone.utc
NY = ZoneInfo("America/New_York")
ZONES = ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "America/Santiago", "UTC"]


def test_a_0230_billing_time_on_the_spring_forward_day_runs_at_0300():
    moment = billing_moment(date(2026, 3, 8), 2 * 60 + 30, NY)
    assert moment.astimezone(NY).strftime("%H:%M %Z") == "03:00 EDT"


def test_a_0130_billing_time_on_the_fall_back_day_is_its_first_occurrence():
    moment = billing_moment(date(2026, 11, 1), 60 + 30, NY)
    assert moment == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not 01:30 EST an hour later
    an_hour_later = moment + timedelta(hours=1)  # 01:30 again on the wall clock
    assert latest_due(WEEKLY, date(2026, 11, 1), 90, "America/New_York", an_hour_later).due_at == moment


def test_the_last_day_of_the_month_is_the_28th_in_february_and_the_31st_in_march():
    anchor = schedule_anchor(MONTHLY, None, 31)
    feb = latest_due(MONTHLY, anchor, 9 * 60, "America/New_York", datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    assert feb.period.end == date(2026, 2, 28) and feb.period.start == date(2026, 1, 31)
    mar = latest_due(MONTHLY, anchor, 9 * 60, "America/New_York", datetime(2026, 4, 1, 0, 0, tzinfo=UTC))
    assert mar.period.end == date(2026, 3, 31) and mar.period.start == date(2026, 2, 28)


def test_nothing_is_due_from_before_the_schedule_was_set():
    set_at = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York, after its 09:00 billing
    assert latest_due(WEEKLY, date(2026, 3, 2), 9 * 60, "America/New_York", set_at, since=set_at) is None
    week_later = set_at + timedelta(days=7)
    assert latest_due(WEEKLY, date(2026, 3, 2), 9 * 60, "America/New_York", week_later,
                      since=set_at).period.end == date(2026, 3, 9)


schedules = st.tuples(
    st.sampled_from([WEEKLY, BIWEEKLY, MONTHLY]),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    st.sampled_from(list(range(1, 29)) + [31]),
    st.integers(min_value=0, max_value=1439),
    st.sampled_from(ZONES))


def _anchor(cadence, day, month_day):
    return schedule_anchor(cadence, day, month_day)


@settings(max_examples=300, deadline=None)
@given(schedules, st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1)))
def test_each_billing_time_is_due_from_its_moment_on_and_the_one_before_until_then(schedule, naive_now):
    cadence, day, month_day, at_minute, zone = schedule
    anchor, now = _anchor(cadence, day, month_day), naive_now.replace(tzinfo=UTC)
    due = latest_due(cadence, anchor, at_minute, zone, now)
    assert due.due_at <= now
    assert due.period.start < due.period.end
    # Its moment falls on the billing date in her zone, at her time or just after a skipped hour.
    local = due.due_at.astimezone(ZoneInfo(zone))
    assert local.date() == due.period.end
    assert 0 <= (local.hour * 60 + local.minute) - at_minute <= 60 or at_minute >= 23 * 60
    # The same period from its moment until the next one; the one before just ahead of it.
    assert latest_due(cadence, anchor, at_minute, zone, due.due_at) == due
    before = latest_due(cadence, anchor, at_minute, zone, due.due_at - timedelta(microseconds=1))
    assert before.period.end == due.period.start and before.due_at < due.due_at


@settings(max_examples=60, deadline=None)
@given(schedules, st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)))
def test_ticking_every_minute_meets_each_period_once_and_in_order(schedule, naive_start):
    cadence, day, month_day, at_minute, zone = schedule
    anchor, now = _anchor(cadence, day, month_day), naive_start.replace(tzinfo=UTC)
    seen = []
    for _ in range(0, 40 * 24 * 60, 7):  # 40 days, a tick every 7 minutes
        due = latest_due(cadence, anchor, at_minute, zone, now)
        if not seen or seen[-1] != due.period:
            seen.append(due.period)
        now += timedelta(minutes=7)
    assert all(a.end == b.start for a, b in zip(seen, seen[1:]))  # none skipped, none twice
