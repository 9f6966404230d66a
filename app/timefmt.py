"""Times are stored in UTC and shown in the trainer's time zone."""
from datetime import date, datetime, timedelta, timezone
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_login import current_user


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@cache
def _all_zones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk; it does not change while we run.
    return frozenset(available_timezones())


def current_zones() -> list[str]:
    """The zones to pick from: tzdata's zone.tab, one or more current Area/Location names per country.
    Old names ("Asia/Calcutta", "US/Eastern") and technical ones ("Etc/GMT+5") are not offered."""
    return list(_current_zones())


@cache
def _current_zones() -> tuple[str, ...]:
    rows = _tzdata_file("zone.tab").splitlines()
    return tuple(sorted({row.split("\t")[2] for row in rows if row and not row.startswith("#")} & _all_zones()))


@cache
def _zone_links() -> dict[str, str]:
    """Old name -> the zone it now points to, from the link lines ("L Asia/Kolkata Asia/Calcutta")."""
    return {line.split()[2]: line.split()[1] for line in _tzdata_file("tzdata.zi").splitlines()
            if line.startswith("L ")}


def renamed_zones() -> dict[str, str]:
    """Old name -> listed name, for the old names browsers may still report ("Asia/Calcutta")."""
    current = set(_current_zones())
    return {old: new for old, new in _zone_links().items() if new in current and old not in current and "/" in old}


def _tzdata_file(name: str) -> str:
    return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


def canonical_zone(typed: str | None) -> str | None:
    """The zone a typed or browser-given name means, as listed: any case, spaces for underscores, and
    old names moved on to their current one ("asia/calcutta" -> "Asia/Kolkata"). None if it is no zone."""
    text = "_".join((typed or "").split())
    name = _zones_by_lower_name().get(text.lower())
    if name is None:
        return None
    current = set(_current_zones())
    if name not in current and _zone_links().get(name) in current:
        return _zone_links()[name]
    return name  # listed, or a valid zone the list leaves out (UTC)


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in _all_zones()}


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


def day_and_time(dt: datetime | None, tz_name: str | None = None, now: datetime | None = None) -> str:
    """'today 9:14 AM', 'yesterday 9:02 PM', 'Mon 8:40 AM' within the week, else 'Nov 3, 8:40 AM'."""
    if dt is None:
        return ""
    d = to_local(dt, tz_name)
    days = ((now or datetime.now(timezone.utc)).astimezone(d.tzinfo).date() - d.date()).days
    if days == 0:
        day = "today"
    elif days == 1:
        day = "yesterday"
    elif 1 < days < 7:
        day = f"{d:%a}"
    else:
        day = f"{d:%b} {d.day}," if days < 300 else f"{d:%b} {d.day}, {d.year},"
    return f"{day} {d:%-I:%M %p}"


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
