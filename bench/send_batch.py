"""Texting throughput: 1,000 invoices through 2 real worker processes and a fake Twilio on loopback.

Baseline in the same run: 1,000 bare no-op RQ jobs on the same worker class and count.
Last line: key=value figures (texts/s, no-op jobs/s, their ratio, submit request time).
Run: .venv/bin/python -m bench.send_batch [invoices]
"""
import sys
import time
from datetime import datetime, timedelta, timezone

from rq import Queue
from rq.registry import FinishedJobRegistry
from sqlalchemy import insert

from app.extensions import db
from app.jobs import get_queue
from app.models import Client, TrainingSession
from bench.harness import bench_app, figures, timed_ms
from tests.conftest import Browser
from tests.factories import make_trainer
from tests.fake_twilio import FakeTwilio
from tests.invoice_helpers import submit_fields
from tests.processes import Workers
from tests.texting_helpers import pending_texts

INVOICES = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
WORKERS = 2


def seed(trainer_id: int) -> None:
    ids = db.session.execute(insert(Client).returning(Client.id), [
        {"trainer_id": trainer_id, "name": f"Client {i:04d}", "mobile": f"+1415555{i:04d}", "sms_consent": True,
         "notes": ""} for i in range(INVOICES)]).scalars().all()
    now = datetime.now(timezone.utc)
    db.session.execute(insert(TrainingSession), [
        {"trainer_id": trainer_id, "client_id": cid, "starts_at": now - timedelta(days=1), "duration_minutes": 60,
         "rate_cents": 8000, "status": "completed", "no_show_chargeable": True, "notes": ""} for cid in ids])
    db.session.commit()


def wait_until(predicate, timeout=600.0, step=0.05) -> float:
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("bench did not finish in time")
        time.sleep(step)
    return time.perf_counter() - start


def main() -> None:
    fake = FakeTwilio().start()
    with bench_app(**fake.settings()) as (app, redis_server):
        workers = Workers(app.config["SQLALCHEMY_DATABASE_URI"], redis_server.url, **fake.settings(),
                          PUBLIC_BASE_URL="http://bench.test")
        try:
            # Baseline: bare no-op jobs through the same worker class and count.
            queue: Queue = get_queue()
            for _ in range(WORKERS):
                workers.start()
            time.sleep(2)  # let the workers boot
            finished = FinishedJobRegistry(queue=queue)
            start = time.perf_counter()
            with queue.connection.pipeline() as pipe:
                queue.enqueue_many([Queue.prepare_data("app.jobs.probe.noop", result_ttl=600)
                                    for _ in range(INVOICES)], pipeline=pipe)
                pipe.execute()
            wait_until(lambda: finished.count >= INVOICES)
            noop_seconds = time.perf_counter() - start

            trainer = make_trainer(email="bench@example.com", daily_text_limit=INVOICES)  # as an admin would raise it
            seed(trainer.id)
            browser = Browser(app.test_client())
            browser.login(trainer.email)
            fields = submit_fields(browser.get("/invoices/create").data)
            start = time.perf_counter()
            submit_ms = timed_ms(lambda: browser.post("/invoices/submit", fields))
            wait_until(lambda: pending_texts() == 0)
            texts_seconds = time.perf_counter() - start
            assert len(fake.messages) == INVOICES, len(fake.messages)
        finally:
            workers.stop_all()
            fake.stop()

    texts_per_s = INVOICES / texts_seconds
    noop_per_s = INVOICES / noop_seconds
    print(f"invoices={INVOICES} workers={WORKERS} texts_at_fake={len(fake.messages)}")
    print(figures(texts_per_s=texts_per_s, noop_jobs_per_s=noop_per_s, ratio=texts_per_s / noop_per_s,
                  submit_ms=submit_ms, texts_seconds=texts_seconds, noop_seconds=noop_seconds))


if __name__ == "__main__":
    main()
