"""When a billing schedule is due: pure date and time math, no database.

A schedule bills on billing dates (weekly or every 2 weeks from an anchor date, or monthly on a day,
31 meaning the month's last day) at a time of day in the trainer's time zone. The period billed on
a billing date is the cycle that ends on it: [previous billing date, billing date). A billing time
that does not exist that day (the hour skipped when clocks go forward) is the moment the clocks
jump (02:30 becomes 03:00); one that happens twice (clocks go back) is its first occurrence.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.billing_cycles import MONTHLY, Cycle, cycle_containing

UTC = timezone.utc


@dataclass(frozen=True)
class Due:
    period: Cycle  # period.end is the billing date
    due_at: datetime  # UTC


def schedule_anchor(cadence: str, anchor_date: date | None, month_day: int | None) -> date:
    """The anchor that billing_cycles counts from: a monthly schedule's day of the month."""
    if cadence == MONTHLY:
        return date(2000, 1, month_day)  # January has every day, 31 included
    return anchor_date


def billing_moment(day: date, at_minute: int, tz: ZoneInfo) -> datetime:
    """`day` at the billing time in `tz`, as a UTC instant (see the module docstring for DST)."""
    wall = datetime.combine(day, time(at_minute // 60, at_minute % 60))
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first  # exists (and, when it happens twice, this is its first occurrence)
    # Skipped: the jump happens between the two readings of the wall time; find the minute it does.
    moment = wall.replace(tzinfo=tz, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    while moment.astimezone(tz).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return moment


def latest_due(cadence: str, anchor: date, at_minute: int, tz_name: str, now: datetime,
               since: datetime | None = None) -> Due | None:
    """The latest billing whose time has come by `now` (and not before `since`), or None."""
    tz = ZoneInfo(tz_name)
    today = now.astimezone(tz).date()
    billing_date = cycle_containing(cadence, anchor, today).start
    due_at = billing_moment(billing_date, at_minute, tz)
    if due_at > now:  # today's (or this cycle's) billing time has not come yet: the one before
        billing_date = cycle_containing(cadence, anchor, billing_date - timedelta(days=1)).start
        due_at = billing_moment(billing_date, at_minute, tz)
    if since is not None and due_at < since:
        return None
    return Due(cycle_containing(cadence, anchor, billing_date - timedelta(days=1)), due_at)
