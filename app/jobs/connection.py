"""The Redis connection of the worker and the clock: every call on it waits out a Redis outage.

RQ lets a Redis error end its work loop (the worker logs "quitting" and exits, or dies in a job's
bookkeeping) and the cron scheduler's loop with it. Rather
than restart those loops from outside, each call on this connection is retried, with capped
exponential backoff, until Redis answers: RQ never sees the outage, and carries on where it
stopped. The outbox rows are the record of the texts; jobs that Redis lost are enqueued again
by the sweeper. The outage is logged once as it starts and once as it ends.
"""
import logging
import time

from flask import current_app
from redis.backoff import EqualJitterBackoff
from redis.retry import Retry

from app.extensions import make_redis

log = logging.getLogger(__name__)
BACKOFF_FIRST_SECONDS = 0.2
BACKOFF_CAP_SECONDS = 5.0


class _Outage:
    """Whether this process is waiting for Redis, so that each outage is logged once at each end."""

    def __init__(self):
        self.since: float | None = None

    def failed(self, error: Exception) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.warning("Redis is not answering (%s); waiting for it, retrying every few seconds", error)

    def answered(self) -> None:
        if self.since is not None:
            log.info("Redis answers again, after %.0f s", time.monotonic() - self.since)
            self.since = None


# One per process, and not an attribute of the retry: redis-py copies its retry into every connection.
_OUTAGE = _Outage()


class RetryThroughOutage(Retry):
    """Retries a failed connection or command for as long as it takes, noting the outage."""

    def __init__(self):
        super().__init__(EqualJitterBackoff(cap=BACKOFF_CAP_SECONDS, base=BACKOFF_FIRST_SECONDS), retries=-1)

    def call_with_retry(self, do, fail, is_retryable=None, with_failure_count=False):
        failures = []

        def failed(error, *failure_count):
            failures.append(error)
            _OUTAGE.failed(error)
            return fail(error, *failure_count)

        result = super().call_with_retry(do, failed, is_retryable, with_failure_count)
        if failures:  # only a call that waited for Redis can tell it is back (one sent just before may not)
            _OUTAGE.answered()
        return result


def lasting_redis():
    """A client of the app's Redis whose calls wait for it through an outage of any length."""
    config = current_app.config
    return make_redis(config["REDIS_URL"], config["REDIS_TIMEOUT_MS"], retry=RetryThroughOutage())
