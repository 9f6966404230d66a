"""The trainer's billing schedule, set in Settings: a day and a time in her time zone, and whether
scheduled invoices wait for her review or are sent by themselves."""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.billing_cycles import BIWEEKLY, MONTHLY, WEEKLY
from app.billing_schedule import latest_due, schedule_anchor
from app.extensions import db
from app.models import BillingSchedule, Trainer
from app.models.billing import LAST_DAY
from app.services import ServiceError
from app.timefmt import to_local

OFF = "off"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TIME_PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class ScheduleChoice:
    """What the form holds, as plain values (the form fields' own strings)."""
    cadence: str
    weekday: str = ""
    month_day: str = ""
    at_time: str = ""
    review: str = "wait"  # "wait" for her review, or "send" by themselves


def parse_time(text: str) -> int:
    """Minutes after midnight from "HH:MM" (24-hour, as a phone's time picker sends it)."""
    match = TIME_PATTERN.match(text or "")
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ServiceError("Enter a time like 09:00 (24-hour).", "at_time")
    return int(match.group(1)) * 60 + int(match.group(2))


def parse_month_day(text: str) -> int:
    if (text or "").strip().lower() == "last":
        return LAST_DAY
    if not (text or "").strip().isdigit() or not 1 <= int(text) <= 28:
        raise ServiceError("Pick a day from 1 to 28, or the last day of the month "
                           "(not every month has a 29th, 30th or 31st).", "month_day")
    return int(text)


def parse_weekday(text: str) -> int:
    if not (text or "").strip().isdigit() or not 0 <= int(text) <= 6:
        raise ServiceError("Pick a day of the week.", "weekday")
    return int(text)


def billing_schedule_of(trainer_id: int) -> BillingSchedule | None:
    """The trainer's billing schedule; None: she bills only on demand."""
    return db.session.get(BillingSchedule, trainer_id)


def set_billing_schedule(trainer_id: int, choice: ScheduleChoice, now: datetime) -> BillingSchedule | None:
    """Saves her schedule (or turns it off), all checked first: bad input changes nothing. Billing
    times before `now` are not due, so a new schedule never bills for a period already behind it."""
    if choice.cadence not in (OFF, WEEKLY, BIWEEKLY, MONTHLY):
        raise ServiceError("Pick how often you bill.", "cadence")
    if choice.review not in ("wait", "send"):
        raise ServiceError("Pick whether invoices wait for your review or are sent.", "review")
    schedule = db.session.get(BillingSchedule, trainer_id)
    if choice.cadence == OFF:
        if schedule is not None:
            db.session.delete(schedule)
        db.session.commit()
        return None
    at_minute = parse_time(choice.at_time)
    trainer = db.session.get(Trainer, trainer_id)
    anchor, month_day = None, None
    if choice.cadence == MONTHLY:
        month_day = parse_month_day(choice.month_day)
    else:
        weekday = parse_weekday(choice.weekday)
        anchor = _first_on_weekday(to_local(now, trainer.timezone).date(), weekday)
        if schedule is not None and schedule.cadence == choice.cadence and schedule.anchor_date and \
                schedule.anchor_date.weekday() == weekday:
            anchor = schedule.anchor_date  # unchanged: every 2 weeks keeps its week
    timing = (choice.cadence, anchor, month_day, at_minute)
    if schedule is None:
        schedule = BillingSchedule(trainer_id=trainer_id)
        db.session.add(schedule)
    elif (schedule.cadence, schedule.anchor_date, schedule.month_day, schedule.at_minute) == timing:
        now = schedule.active_since  # the same times: a billing the clock has yet to catch up on stays due
    schedule.cadence, schedule.anchor_date, schedule.month_day, schedule.at_minute = timing
    schedule.review, schedule.active_since = choice.review == "wait", now
    db.session.commit()
    return schedule


def _first_on_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def next_billing_at(schedule: BillingSchedule, tz_name: str, now: datetime) -> datetime:
    """When the schedule bills next: the first billing time after `now` (UTC)."""
    anchor = schedule_anchor(schedule.cadence, schedule.anchor_date, schedule.month_day)
    probe = now
    for _ in range(40):  # at most a cycle of days ahead, a day at a time
        probe += timedelta(days=1)
        due = latest_due(schedule.cadence, anchor, schedule.at_minute, tz_name, probe)
        if due is not None and due.due_at > now:
            return due.due_at
    raise RuntimeError("no billing time within 40 days")
