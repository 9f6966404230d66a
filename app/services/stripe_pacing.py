"""Calls to Stripe on a connected account, paced and retried: at most STRIPE_RATE_PER_SECOND calls a
second per account (a counter per account and second in Redis, so every worker shares it), and 429s,
5xx and dropped connections tried again with exponential backoff. Each write carries its idempotency key,
so a retry after an answer that never arrived is replayed, not applied twice."""
import time

from flask import current_app

from app.extensions import get_redis
from app.integrations.stripe_payments import ProviderUnreachable


def wait_for_slot(account: str) -> None:
    """Returns once this second still has room for one more call on the account."""
    rate = current_app.config["STRIPE_RATE_PER_SECOND"]
    redis = get_redis()
    while True:
        now = time.time()
        key = f"spotter:stripe-rate:{account}:{int(now)}"
        pipe = redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 2)
        count, _ = pipe.execute()
        if count <= rate:
            return
        time.sleep(max(int(now) + 1 - time.time(), 0.001))


def paced(account: str, call):
    """Runs `call()` (one Stripe request on `account`) within the rate, retrying what may pass later."""
    config = current_app.config
    retries, backoff_ms = config["STRIPE_RETRIES"], config["STRIPE_RETRY_BACKOFF_MS"]
    for attempt in range(retries + 1):
        wait_for_slot(account)
        try:
            return call()
        except ProviderUnreachable:
            if attempt == retries:
                raise
            time.sleep(backoff_ms * 2 ** attempt / 1000)
