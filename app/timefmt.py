"""Times are stored in UTC and shown in the trainer's time zone."""
from datetime import date, datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_login import current_user


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_valid_zone(name: str) -> bool:
    return name in _all_zones()


@cache
def _all_zones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk; it does not change while we run.
    return frozenset(available_timezones())


def common_zones() -> list[str]:
    return list(_common_zones())


@cache
def _common_zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in _all_zones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))))


def _tz(tz_name: str | None):
    if tz_name:
        return zone(tz_name)
    if getattr(current_user, "is_authenticated", False):
        return zone(current_user.timezone)
    return timezone.utc


def to_local(dt: datetime, tz_name: str | None = None) -> datetime:
    return dt.astimezone(_tz(tz_name))


def local_datetime(dt: datetime | None, tz_name: str | None = None) -> str:
    if dt is None:
        return ""
    d = to_local(dt, tz_name)
    return f"{d:%a %b} {d.day}, {d:%-I:%M %p}"


def local_date(dt, tz_name: str | None = None) -> str:
    if dt is None:
        return ""
    d = to_local(dt, tz_name) if isinstance(dt, datetime) else dt
    return f"{d:%b} {d.day}, {d:%Y}"


def local_time(dt: datetime | None, tz_name: str | None = None) -> str:
    return "" if dt is None else f"{to_local(dt, tz_name):%-I:%M %p}"


def now_rounded_to_quarter(tz_name: str) -> datetime:
    """Now in the trainer's zone, rounded to the nearest quarter hour (a naive local datetime)."""
    now = datetime.now(zone(tz_name)).replace(second=0, microsecond=0, tzinfo=None)
    minutes = (now.minute + 7) // 15 * 15
    return now.replace(minute=0) + timedelta(minutes=minutes)


def local_to_utc(naive_local: datetime, tz_name: str) -> datetime:
    return naive_local.replace(tzinfo=zone(tz_name)).astimezone(timezone.utc)


def week_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """Monday 00:00 to next Monday 00:00 in the trainer's zone, as UTC."""
    monday = day - timedelta(days=day.weekday())
    start = datetime(monday.year, monday.month, monday.day)
    return local_to_utc(start, tz_name), local_to_utc(start + timedelta(days=7), tz_name)


def local_today(tz_name: str) -> date:
    return datetime.now(zone(tz_name)).date()


def ago(dt: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 min ago', '2 h ago', '3 days ago', or the date."""
    if dt is None:
        return ""
    seconds = int(((now or datetime.now(timezone.utc)) - dt).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    if seconds < 86400 * 14:
        days = seconds // 86400
        return f"{days} day{'s' if days > 1 else ''} ago"
    return local_date(dt)


def in_words(seconds: int) -> str:
    """A wait as a person says it: '1 second', '40 seconds', '3 minutes' (rounded up)."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
