"""Auto-pay's Stripe sync against the fake Stripe answering every call after 50 ms.

200 auto-pay drafts of 10 lines (10 trainers, each with her connected account, 20 clients each), synced by
a real RQ worker (in this process, burst mode) from the jobs the app enqueues itself:
1. the first sync of every draft (the jobs the billing engine's commit enqueued): first_calls, first_s;
2. a second sync of every draft with nothing changed: unchanged_writes (target 0);
3. one line repriced on each draft through the draft service (its commit enqueues the sync):
   changed_writes (target exactly 200), changed_s;
4. the clock's drift check of every draft: drift_reads (target at most 1 per draft).
Calls are counted at the fake.

Run: .venv/bin/python -m bench.stripe_sync [--drafts N]
"""
import argparse
import signal
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select

from app.extensions import db
from app.jobs import get_queue
from app.jobs.worker import build_worker
from app.models import AutopayCard, Client, Invoice, InvoiceStatus, TrainingSession
from app.services import drafts, stripe_sync, stripe_sync_state
from app.services.billing_engine import build_drafts
from bench.harness import bench_app, figures
from tests.factories import make_trainer
from tests.fake_stripe import SECRET_KEY, FakeStripe

LATENCY_SECONDS = 0.050
LINES = 10
CLIENTS_PER_TRAINER = 20


def seed(fake: FakeStripe, drafts_wanted: int) -> list[int]:
    """Trainers with auto-pay clients of 10 sessions each, and their drafts built by the billing engine."""
    now = datetime.now(timezone.utc)
    trainer_ids = []
    for t in range(max(1, -(-drafts_wanted // CLIENTS_PER_TRAINER))):
        count = min(CLIENTS_PER_TRAINER, drafts_wanted - t * CLIENTS_PER_TRAINER)
        trainer = make_trainer()
        account = fake.add_account()
        ids = db.session.execute(insert(Client).returning(Client.id), [
            {"trainer_id": trainer.id, "name": f"Client {i:04d}", "mobile": f"+1415{t:03d}{i:04d}",
             "sms_consent": True, "notes": ""} for i in range(count)]).scalars().all()
        db.session.execute(insert(AutopayCard), [
            {"trainer_id": trainer.id, "client_id": cid, "stripe_account_id": account, "stripe_customer_id": f"cus_{cid}",
             "stripe_payment_method_id": f"pm_{cid}", "brand": "visa", "last4": "4242", "exp_month": 12,
             "exp_year": now.year + 2, "enabled": True} for cid in ids])
        db.session.execute(insert(TrainingSession), [
            {"trainer_id": trainer.id, "client_id": cid, "starts_at": now - timedelta(days=n + 1),
             "duration_minutes": 60, "rate_cents": 8000, "status": "completed", "no_show_chargeable": True,
             "notes": ""} for cid in ids for n in range(LINES)])
        db.session.commit()
        trainer_ids.append(trainer.id)
    for trainer_id in trainer_ids:
        build_drafts(trainer_id)  # its commit enqueues one sync job per auto-pay draft
    return list(db.session.scalars(select(Invoice.id).where(Invoice.status == InvoiceStatus.draft)
                                   .order_by(Invoice.id)))


def in_sync_count() -> int:
    rows = db.session.execute(select(Invoice.trainer_id, Invoice.id).where(Invoice.status == InvoiceStatus.draft)).all()
    by_trainer: dict[int, list[int]] = {}
    for trainer_id, invoice_id in rows:
        by_trainer.setdefault(trainer_id, []).append(invoice_id)
    return sum(1 for trainer_id, ids in by_trainer.items()
               for state in stripe_sync_state.sync_states(trainer_id, ids).values() if state.label == "in sync")


def run_jobs(app) -> float:
    """Runs every queued job with a real worker; the seconds it took."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    start = time.perf_counter()
    try:
        build_worker(app).work(burst=True, with_scheduler=False)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    db.session.expire_all()
    return time.perf_counter() - start


def reprice_one_line(invoice_id: int) -> None:
    invoice = db.session.get(Invoice, invoice_id)
    line = invoice.live_lines[0]
    drafts.update_line(invoice.trainer_id, invoice.id, line.id, invoice.version, "bench",
                       unit_price_cents=line.unit_price_cents + 100)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drafts", type=int, default=200)
    count = parser.parse_args().drafts
    fake = FakeStripe().start()
    try:
        with bench_app(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=fake.url, STRIPE_TIMEOUT_SECONDS=5,
                       RQ_JOB_TIMEOUT=600) as (app, _redis):
            invoice_ids = seed(fake, count)
            assert len(invoice_ids) == count, len(invoice_ids)
            fake.latency_seconds = LATENCY_SECONDS

            first_s = run_jobs(app)
            first_calls = fake.calls()
            in_sync = in_sync_count()

            writes = fake.writes()
            for invoice_id in invoice_ids:
                stripe_sync.request_sync(invoice_id)
            run_jobs(app)
            unchanged_writes = fake.writes() - writes

            writes = fake.writes()
            for invoice_id in invoice_ids:
                reprice_one_line(invoice_id)
            changed_s = run_jobs(app)
            changed_writes = fake.writes() - writes

            get_queue().empty()
            reads = fake.calls("GET")
            stripe_sync.sweep(drift_check=True)
            run_jobs(app)
            drift_reads = fake.calls("GET") - reads
    finally:
        fake.stop()
    print(f"drafts={count} lines={LINES} latency_ms={LATENCY_SECONDS * 1000:.0f} in_sync_after_first={in_sync}")
    print(figures(first_calls=first_calls, first_s=first_s, unchanged_writes=unchanged_writes,
                  changed_writes=changed_writes, changed_s=changed_s, drift_reads=drift_reads))


if __name__ == "__main__":
    main()
