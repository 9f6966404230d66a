"""Visits to the client's invoice page, tallied in the web process and sent to Redis a moment later,
so that a visit waits on no network call.

- The per-IP limit (a fixed window) is counted in each process and in Redis. A process refuses an
  address once the count Redis last gave for it, plus the hits this process has not sent yet, reach
  the limit. Hits served by other processes are learnt at the next sending, within a fraction of a
  second, so an address spread over several processes can get that much more through.
- Views (visits within the limit) are added to Redis's tallies at each sending; the clock's minute
  job folds them into the invoices.
- Nothing is lost while Redis is away: unsent counts are kept and sent when it is back. A process
  that exits (a dyno restarting) sends what it holds first.
"""
import atexit
import logging
import os
import threading
import time
import weakref
from collections import Counter

import redis
from flask import current_app

from app.extensions import get_redis, per_app

log = logging.getLogger(__name__)

VIEWS_KEY = "spotter:invoice-views"  # invoice id -> views not yet folded into the database
VIEWED_AT_KEY = "spotter:invoice-viewed-at"  # invoice id -> unix time of the last of them
RETRY_SECONDS = 1  # Redis unreachable: everything unsent is kept and tried again after this


def limit_key(address: str, window_number: int) -> str:
    return f"spotter:limit:public-page:{address}:{window_number}"


class PageVisits:
    """One web process's tally. Thread-safe; a sender thread runs only while there is something to send."""

    def __init__(self, redis_client: redis.Redis, send_every_ms: int):
        self._redis = redis_client
        self._send_every_ms = send_every_ms  # a sending gathers the visits that arrive meanwhile into one call
        self._closed = False
        self._reset()
        _ALL.add(self)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._hits: Counter = Counter()  # (address, window number, window seconds) -> hits not sent yet
        self._sending: Counter = Counter()  # hits in the call under way
        self._known: dict = {}  # same keys -> every process's hits, as Redis last said
        self._views: Counter = Counter()  # invoice id -> views not sent yet
        self._viewed_at: dict = {}  # invoice id -> unix time of the last of them
        self._sender: threading.Thread | None = None
        self._unreachable = False  # the last sending failed

    def admit(self, address: str, window_seconds: int, limit: int, invoice_id: int | None, count_view: bool,
              now: int) -> bool:
        """Counts one request from `address` against `limit` per window (0: no limit) and, if it is
        within the limit and `count_view`, one view of the invoice. False: refuse it."""
        key = (address, now // window_seconds, window_seconds)
        with self._lock:
            if limit and self._known.get(key, 0) + self._sending[key] + self._hits[key] >= limit:
                return False
            if limit:
                self._hits[key] += 1
            if invoice_id is not None and count_view:
                self._views[invoice_id] += 1
                self._viewed_at[invoice_id] = now
            if self._sender is None and (self._hits or self._views) and not self._closed:
                self._sender = threading.Thread(target=self._send_while_busy, name="page-visits", daemon=True)
                self._sender.start()
        return True

    def send(self) -> bool:
        """Sends what this process counted, in one call; True once Redis has it (or there was nothing).
        One sending at a time, so that a caller who sends before reading the tallies finds them whole."""
        with self._send_lock:
            with self._lock:
                hits, self._hits = self._hits, Counter()
                views, self._views = self._views, Counter()
                viewed_at, self._viewed_at = self._viewed_at, {}
                self._sending = hits
            if not (hits or views):
                return True
            try:
                totals = self._write(hits, views, viewed_at)
            except Exception as e:  # noqa: BLE001 - Redis away or anything else: the counts are kept
                if not self._unreachable:  # once per outage, not once a second
                    log.warning("page visits kept for later, not sent: %r", e,
                                exc_info=not isinstance(e, redis.RedisError))
                self._unreachable = True
                with self._lock:  # nothing is lost: added back for the next try
                    self._hits.update(_still_limiting(hits))
                    self._views.update(views)
                    for invoice_id, at in viewed_at.items():
                        self._viewed_at[invoice_id] = max(at, self._viewed_at.get(invoice_id, 0))
                    self._sending = Counter()
                return False
            if self._unreachable:
                log.info("page visits kept during the Redis outage are sent")
                self._unreachable = False
            with self._lock:
                self._sending = Counter()
                self._known = _still_limiting({**self._known, **totals})
            return True

    def _write(self, hits: Counter, views: Counter, viewed_at: dict) -> dict:
        pipe = self._redis.pipeline(transaction=False)
        keys = list(hits)
        for address, number, seconds in keys:
            key = limit_key(address, number)
            pipe.incrby(key, hits[(address, number, seconds)])
            pipe.expire(key, seconds)
        for invoice_id, n in views.items():
            pipe.hincrby(VIEWS_KEY, invoice_id, n)
        if viewed_at:
            pipe.hset(VIEWED_AT_KEY, mapping=viewed_at)
        replies = pipe.execute()
        return {key: int(replies[2 * i]) for i, key in enumerate(keys)}

    def _send_while_busy(self) -> None:
        try:
            while True:
                time.sleep(self._send_every_ms / 1000)
                with self._lock:
                    if self._closed or not (self._hits or self._views):
                        self._sender = None  # in the same hold as the check: a visit now starts another
                        return
                if not self.send():
                    time.sleep(RETRY_SECONDS)
        except BaseException:
            with self._lock:  # should it ever stop otherwise, the next visit starts another sender
                self._sender = None
            raise

    def close(self) -> None:
        """Sends what is left and stops sending (the app or the process is going away)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True  # the sender thread stops when it next wakes
        if not self.send():  # after a sending under way, if any
            with self._lock:
                lost = sum(self._views.values())
            log.error("%d page views not sent: Redis unreachable as the app stopped", lost)

    def _after_fork(self) -> None:
        """A forked child (an RQ work horse) starts with nothing: the parent sends what it counted."""
        self._reset()


def _still_limiting(counts: dict) -> dict:
    """The counts whose window has not ended (an ended window limits nothing)."""
    now = int(time.time())
    return Counter({key: n for key, n in counts.items() if key[1] >= now // key[2]})


def visits_here() -> PageVisits:
    """This process's tally for the current app."""
    return per_app("spotter_page_visits",
                   lambda: PageVisits(get_redis(), current_app.config["PAGE_VISITS_SEND_MS"]))


def close_visits(app) -> None:
    """Sends what the app's tally holds and stops it (tests, before the next app takes over Redis)."""
    visits = app.extensions.pop("spotter_page_visits", None)
    if visits is not None:
        visits.close()


_ALL: "weakref.WeakSet[PageVisits]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for visits in list(_ALL):
        visits._after_fork()


def _send_all_before_exit() -> None:
    for visits in list(_ALL):
        try:
            visits.close()
        except Exception:  # noqa: BLE001 - exiting anyway; the log says what was lost
            log.exception("page visits not sent before exit")


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_send_all_before_exit)
