"""Failed log-ins slow further tries down instead of locking the account.

After LOGIN_LIMIT_PER_EMAIL's number of failures (5), each further try must wait 2, 4, 8 … seconds
(at most LOGIN_DELAY_MAX_SECONDS) after the failure before it; tries turned away do not add to the wait.
The failures are counted per email address for devices the trainer has not logged in on, and per device
for the ones she has (tests/test_login_delays.py), so strangers' guesses do not keep her out of her
own phone. They are forgotten LOGIN_LIMIT_PER_EMAIL's period (10 minutes) after the last one's wait
ends. Counted in Redis, so every web dyno sees the same counts.
"""
import logging
import threading
import time

import redis
from flask import current_app
from limits import parse

from app.extensions import get_redis, per_app

log = logging.getLogger(__name__)

# A try is counted before the password is checked, in one step with the check of the wait, so that
# tries sent all at once cannot all slip through as the wait ends; a right password takes its count back.
# KEYS[1]: the count's hash. ARGV: now (seconds), free tries, forget after (seconds), longest wait.
_CLAIM = """
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local now, free, window, longest = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function delay(n)
  if n < free then return 0 end
  return math.min(2 ^ (n - free + 1), longest)
end
local wait = last + delay(failures) - now
if wait > 0 then return math.ceil(wait) end
redis.call('HSET', KEYS[1], 'failures', failures + 1, 'last', ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(window + delay(failures + 1)))
return 0
"""


def email_key(email: str) -> str:
    return "login-email:" + email


def device_key(device_id: str) -> str:
    return "login-device:" + device_id


def claim_attempt(key: str, now: float | None = None) -> int:
    """0 when a log-in may be tried now (it is counted as a failure until `forgive_attempt`), otherwise
    the seconds still to wait. While Redis is away the process counts on its own (fails closed for an
    email that used up its tries here), as Flask-Limiter's in-memory fallback does for the other limits."""
    config = current_app.config
    free = parse(config["LOGIN_LIMIT_PER_EMAIL"])
    now = time.time() if now is None else now
    if _this_process().redis_may_answer():
        try:
            script = get_redis().register_script(_CLAIM)
            return int(script(keys=[key], args=[repr(now), free.amount, free.get_expiry(),
                                                config["LOGIN_DELAY_MAX_SECONDS"]]))
        except redis.RedisError as e:
            _this_process().redis_failed(e)
    return _this_process().claim(key, now, free.amount, free.get_expiry(), config["LOGIN_DELAY_MAX_SECONDS"])


def forgive_attempt(key: str) -> None:
    """The password was right: this try does not count (the failures before it still do)."""
    if _this_process().redis_may_answer():
        try:
            if get_redis().hincrby(key, "failures", -1) < 0:
                get_redis().delete(key)
            return
        except redis.RedisError as e:
            _this_process().redis_failed(e)
    _this_process().forgive(key)


class _InProcess:
    """The same counting as _CLAIM, in this process's memory, for while Redis cannot be reached."""

    ASK_REDIS_AGAIN_AFTER = 5.0  # seconds: a Redis that did not answer is not waited on by every log-in

    def __init__(self):
        self._lock, self._counts = threading.Lock(), {}  # key -> (failures, last try, forget at)
        self._redis_down_until = 0.0

    def redis_may_answer(self) -> bool:
        return time.monotonic() >= self._redis_down_until

    def redis_failed(self, error: Exception) -> None:
        if self.redis_may_answer():
            log.warning("log-in delays counted in this process while Redis is away: %s", error)
        self._redis_down_until = time.monotonic() + self.ASK_REDIS_AGAIN_AFTER

    def claim(self, key: str, now: float, free: int, window: int, longest: int) -> int:
        def delay(n: int) -> float:
            return 0 if n < free else min(2 ** (n - free + 1), longest)
        with self._lock:
            failures, last, forget_at = self._counts.get(key, (0, 0.0, 0.0))
            if forget_at <= now:
                failures, last = 0, 0.0
            wait = last + delay(failures) - now
            if wait > 0:
                return int(-(-wait // 1))
            self._counts[key] = (failures + 1, now, now + window + delay(failures + 1))
            return 0

    def forgive(self, key: str) -> None:
        with self._lock:
            failures, last, forget_at = self._counts.get(key, (1, 0.0, 0.0))
            if failures <= 1:
                self._counts.pop(key, None)
            else:
                self._counts[key] = (failures - 1, last, forget_at)


def _this_process() -> _InProcess:
    return per_app("spotter_login_delays", _InProcess)
