"""The clock's reminder tick (see app.services.reminders). The database keeps each step once; the lock
only spares a second clock the work."""
from app.extensions import get_redis
from app.services.reminders import remind_due

LOCK_KEY = "spotter:reminder-tick-lock"


def send_due_reminders():
    lock = get_redis().lock(LOCK_KEY, timeout=600, blocking=False)
    if not lock.acquire(blocking=False):
        return "another reminder tick is running"
    try:
        return f"reminded {remind_due()} clients"
    finally:
        lock.release()
