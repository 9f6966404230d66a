"""The scheduled sweep of the outbox (see app.services.sweeper)."""
from app.extensions import get_redis
from app.services.sweeper import sweep_outbox as sweep

LOCK_KEY = "spotter:outbox-sweep-lock"


def sweep_outbox():
    """Runs one sweep unless another is still running (one sweep at a time, whatever the clocks)."""
    lock = get_redis().lock(LOCK_KEY, timeout=300, blocking=False)
    if not lock.acquire(blocking=False):
        return "another sweep is running"
    try:
        result = sweep()
        return f"re-enqueued {result.reenqueued}, reconciled {result.reconciled}"
    finally:
        lock.release()
