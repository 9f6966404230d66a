"""Billing cycles as dates in the trainer's time zone: weekly, every two weeks, or monthly on an
anchor day. A cycle is [start, end): it ends where the next begins. Counting dates rather than
hours keeps a cycle the same length whatever daylight saving does."""
import calendar
from dataclasses import dataclass
from datetime import date, timedelta

WEEKLY, BIWEEKLY, MONTHLY = "weekly", "biweekly", "monthly"
CADENCES = (WEEKLY, BIWEEKLY, MONTHLY)
CADENCE_LABELS = {WEEKLY: "every week", BIWEEKLY: "every 2 weeks", MONTHLY: "every month"}


@dataclass(frozen=True)
class Cycle:
    start: date
    end: date  # the first day of the next cycle

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def offset(self, day: date) -> int:
        """Which day of the cycle `day` is (0 for the first), clamped to the cycle."""
        return min(max((day - self.start).days, 0), self.days)

    def __contains__(self, day: date) -> bool:
        return self.start <= day < self.end


def anchored_day(year: int, month: int, anchor_day: int) -> date:
    """The anchor day in that month, or the month's last day if it is shorter (the 31st in April is
    the 30th); the next month goes back to the anchor itself."""
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def cycle_containing(cadence: str, anchor: date, day: date) -> Cycle:
    """The cycle that `day` falls in. Weekly and two-weekly cycles count from the anchor date;
    monthly ones start on the anchor's day of the month."""
    if cadence in (WEEKLY, BIWEEKLY):
        length = 7 if cadence == WEEKLY else 14
        start = anchor + timedelta(days=((day - anchor).days // length) * length)
        return Cycle(start, start + timedelta(days=length))
    if cadence != MONTHLY:
        raise ValueError(f"unknown cadence {cadence!r}")
    start = anchored_day(day.year, day.month, anchor.day)
    if day < start:
        start = anchored_day(*_add_months(day.year, day.month, -1), anchor.day)
    return Cycle(start, anchored_day(*_add_months(start.year, start.month, 1), anchor.day))


def next_cycle(cadence: str, anchor: date, cycle: Cycle) -> Cycle:
    return cycle_containing(cadence, anchor, cycle.end)


def cycles_between(cadence: str, anchor: date, first_day: date, last_day: date) -> list[Cycle]:
    """Every cycle that starts on a day in [first_day, last_day]."""
    cycle = cycle_containing(cadence, anchor, first_day)
    if cycle.start < first_day:
        cycle = next_cycle(cadence, anchor, cycle)
    found = []
    while cycle.start <= last_day:
        found.append(cycle)
        cycle = next_cycle(cadence, anchor, cycle)
    return found
