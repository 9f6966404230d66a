"""Quiet hours: no non-urgent message reaches a client before 08:00 or after 20:00 her time (inside the
strictest US state rules). A message that falls in them waits until the next 08:00."""
from datetime import datetime, time, timedelta, timezone

from app.timefmt import zone

SEND_FROM, SEND_UNTIL = time(8, 0), time(20, 0)


def send_after(now: datetime, tz_name: str | None) -> datetime | None:
    """None when `now` (aware) is inside sending hours in `tz_name`; else the UTC moment of the next
    08:00 there (08:00 exists on every day, DST changes happen at night)."""
    tz = zone(tz_name)
    local = now.astimezone(tz)
    if SEND_FROM <= local.time() < SEND_UNTIL:
        return None
    day = local.date() if local.time() < SEND_FROM else local.date() + timedelta(days=1)
    return datetime.combine(day, SEND_FROM, tzinfo=tz).astimezone(timezone.utc)
