"""Texting throughput through real worker processes and a fake Twilio on loopback.

1. 1,000 invoices through 2 workers, the fake answering at once; baseline in the same run: 1,000
   bare no-op RQ jobs on the same worker class and count.
2. As production sees it, where each send waits on the network: the fake answers each create after
   150 ms, and a batch goes through 1 worker process, then through 4, timed from the submit's answer
   (when its jobs are enqueued). One process can at best send one text per round trip (6.7 texts/s);
   the figures say how close it gets, and how four processes scale. Each job also pays RQ's own cost
   (fork, bookkeeping), which the no-op baseline measures per job and worker.

Last line: key=value figures (texts/s, no-op jobs/s, their ratio, submit request time, the no-op cost
per job and worker, and slow_1w_texts_per_s / slow_4w_texts_per_s of part 2).
Run: .venv/bin/python -m bench.send_batch [invoices] [slow invoices]
"""
import sys
import time
from datetime import datetime, timedelta, timezone

from rq import Queue, Worker
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
SLOW_INVOICES = int(sys.argv[2]) if len(sys.argv) > 2 else 120
WORKERS = 2
TWILIO_LATENCY_SECONDS = 0.150


def seed(trainer_id: int, count: int) -> None:
    ids = db.session.execute(insert(Client).returning(Client.id), [
        {"trainer_id": trainer_id, "name": f"Client {i:04d}", "mobile": f"+1415{trainer_id:03d}{i:04d}",
         "sms_consent": True, "notes": ""} for i in range(count)]).scalars().all()
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


def start_workers(workers: Workers, count: int, queue: Queue) -> None:
    for _ in range(count):
        workers.start()
    wait_until(lambda: Worker.count(queue=queue) >= count, timeout=60)


def send_a_batch(app, count: int, label: str) -> tuple[float, float, float]:
    """`count` invoices submitted as the trainer's Send button does. Returns the submit request's time
    (ms), and the seconds until every text is settled timed from the submit and from its answer (the
    texts' jobs are enqueued as it answers)."""
    trainer = make_trainer(email=f"bench-{label}@example.com", daily_text_limit=count)  # as an admin would raise it
    seed(trainer.id, count)
    browser = Browser(app.test_client())
    browser.login(trainer.email)
    fields = submit_fields(browser.post("/invoices/bill", follow_redirects=True).data)
    start = time.perf_counter()
    submit_ms = timed_ms(lambda: browser.post("/invoices/submit", fields))
    enqueued = time.perf_counter()
    wait_until(lambda: pending_texts() == 0)
    return submit_ms, time.perf_counter() - start, time.perf_counter() - enqueued


def noop_jobs_seconds(queue: Queue) -> float:
    finished = FinishedJobRegistry(queue=queue)
    start = time.perf_counter()
    with queue.connection.pipeline() as pipe:
        queue.enqueue_many([Queue.prepare_data("app.jobs.probe.noop", result_ttl=600) for _ in range(INVOICES)],
                           pipeline=pipe)
        pipe.execute()
    wait_until(lambda: finished.count >= INVOICES)
    return time.perf_counter() - start


def slow_texts_per_second(app, fake: FakeTwilio, workers: Workers, queue: Queue, count: int) -> float:
    workers.stop_gracefully()
    start_workers(workers, count, queue)
    sent_before = len(fake.messages)
    _, _, seconds = send_a_batch(app, SLOW_INVOICES, f"slow-{count}w")
    assert len(fake.messages) - sent_before == SLOW_INVOICES
    return SLOW_INVOICES / seconds


def main() -> None:
    fake = FakeTwilio().start()
    with bench_app(**fake.settings()) as (app, redis_server):
        workers = Workers(app.config["SQLALCHEMY_DATABASE_URI"], redis_server.url, **fake.settings(),
                          PUBLIC_BASE_URL="http://bench.test")
        try:
            queue = get_queue()
            start_workers(workers, WORKERS, queue)
            noop_seconds = noop_jobs_seconds(queue)
            submit_ms, texts_seconds, _ = send_a_batch(app, INVOICES, "fast")
            assert len(fake.messages) == INVOICES, len(fake.messages)

            fake.delay_seconds = TWILIO_LATENCY_SECONDS
            slow_1w = slow_texts_per_second(app, fake, workers, queue, 1)
            slow_4w = slow_texts_per_second(app, fake, workers, queue, 4)
        finally:
            workers.stop_all()
            fake.stop()

    texts_per_s = INVOICES / texts_seconds
    noop_per_s = INVOICES / noop_seconds
    one_per_round_trip = 1 / TWILIO_LATENCY_SECONDS
    print(f"invoices={INVOICES} workers={WORKERS} texts_at_fake={len(fake.messages)} "
          f"slow_invoices={SLOW_INVOICES} twilio_latency_ms={TWILIO_LATENCY_SECONDS * 1000:.0f}")
    print(figures(texts_per_s=texts_per_s, noop_jobs_per_s=noop_per_s, ratio=texts_per_s / noop_per_s,
                  submit_ms=submit_ms, texts_seconds=texts_seconds, noop_seconds=noop_seconds,
                  noop_ms_per_job_per_worker=WORKERS * 1000 / noop_per_s,
                  slow_1w_share_of_round_trips=slow_1w / one_per_round_trip, slow_4w_over_1w=slow_4w / slow_1w,
                  slow_1w_texts_per_s=slow_1w, slow_4w_texts_per_s=slow_4w))


if __name__ == "__main__":
    main()
