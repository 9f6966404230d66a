"""The reminder tick at scale: 100,000 open invoices across 5,000 trainers, a tenth of them due a
reminder now. Times the selection of who is due (select_s, target <= 0.5 s on PostgreSQL), the whole
tick that writes and enqueues them (tick_s), says whether the selection uses the invoices' index on
(status, due_date) from the query plan, and prints bench/pdf.py's pdf_p50_ms (target 100 ms).
Set BENCH_DATABASE_URL for PostgreSQL (default: a SQLite file). Last line: key=value figures.
Run: .venv/bin/python -m bench.reminders [invoices]
"""
import os
import sys
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, insert, select, text

from app.extensions import db
from app.models import Client, Invoice, OutboxMessage, Trainer
from app.services import reminders
from bench.harness import bench_app, figures
from bench.pdf import pdf_p50_ms

INVOICES = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
TRAINERS = max(1, INVOICES // 20)
CLIENTS_PER_TRAINER = 4
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York: outside quiet hours
INDEX = "ix_invoices_status_due_date"


def seed() -> None:
    created = datetime(2026, 11, 1, tzinfo=timezone.utc)
    trainer_ids = db.session.execute(insert(Trainer).returning(Trainer.id), [
        {"email": f"bench{t}@example.com", "password_hash": "x", "name": f"Trainer {t}", "business_name": f"Gym {t}",
         "timezone": "America/New_York", "default_rate_cents": 8000, "payment_terms_days": 7, "currency": "USD",
         "is_admin": False, "receipts_enabled": True, "stripe_charges_enabled": False,
         "stripe_details_submitted": False, "last_invoice_number": 0, "created_at": created,
         "mobile": "+14155550100", "mobile_verified_at": created} for t in range(TRAINERS)]).scalars().all()
    clients = db.session.execute(insert(Client).returning(Client.id, Client.trainer_id), [
        {"trainer_id": tid, "name": f"Client {tid}-{c}", "mobile": f"+1415{(tid * 4 + c) % 10_000_000:07d}",
         "sms_consent": True, "notes": "", "created_at": created}
        for tid in trainer_ids for c in range(CLIENTS_PER_TRAINER)]).all()
    today = date(2026, 12, 1)
    rows = []
    for n in range(INVOICES):
        client_id, trainer_id = clients[n % len(clients)]
        due = today if n % 10 == 0 else today + timedelta(days=1 + n % 20)  # a tenth due today
        rows.append({"trainer_id": trainer_id, "client_id": client_id, "status": "open", "number": n + 1,
                     "version": 1, "included": True, "note": "", "total_cents": 8000, "currency": "USD",
                     "due_date": due, "void_reason": "", "earlier_view_count": 0, "created_at": created,
                     "finalized_at": created, "public_id": f"b{n:030d}"})
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(Invoice), rows[start:start + 10_000])
    db.session.commit()


def index_used() -> bool:
    stmt = reminders.due_reminders_query(NOW.date() + timedelta(days=1))
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    plan = " ".join(str(r) for r in db.session.execute(text(explain + sql)).all())
    return INDEX in plan


def main() -> None:
    with bench_app() as (app, _redis):
        started = time.perf_counter()
        seed()
        seed_s = time.perf_counter() - started
        db.session.expire_all()
        started = time.perf_counter()
        due = reminders.due_reminders(NOW)
        select_s = time.perf_counter() - started
        db.session.rollback()
        started = time.perf_counter()
        reminded = reminders.remind_due(NOW)
        tick_s = time.perf_counter() - started
        rows = db.session.scalar(select(func.count(OutboxMessage.id)))
        used = index_used()
        pdf_ms = pdf_p50_ms(20)
        engine = db.engine.dialect.name
    print(f"engine={engine} invoices={INVOICES} trainers={TRAINERS} seed_s={seed_s:.1f} due_clients={len(due)} "
          f"reminded={reminded} outbox_rows={rows} load_avg_1m={os.getloadavg()[0]:.2f}")
    print(figures(select_s=select_s, tick_s=tick_s, index_used="yes" if used else "no", pdf_p50_ms=pdf_ms))


if __name__ == "__main__":
    main()
