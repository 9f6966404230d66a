"""The JSON API at one trainer's full size: 10,000 invoices and 50,000 sessions, bulk inserted.

Prints list (a page of 50) p50/p95 (with the cheapest API request's p50 as a same-run baseline), one invoice's p50, the SQL statements of a list request on page 1 and
on page 200 (the same: keyset pages, never an OFFSET), and a CSV export of every invoice through the API:
its time and its peak Python memory (tracemalloc). Last line: key=value figures.
Run: .venv/bin/python -m bench.api [rounds]   (BENCH_DATABASE_URL=postgresql://... for PostgreSQL)
"""
import random
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import event, insert, select, text

from app.extensions import db
from app.models import Client, Invoice, InvoiceStatus, TrainingSession
from app.services import api_tokens
from bench.harness import bench_app, figures, median, percentile, timed_ms
from tests.factories import make_trainer

CLIENTS, INVOICES, SESSIONS, PAGE = 200, 10_000, 50_000, 50
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 60
BATCH = 5_000


def seed(trainer_id: int) -> None:
    client_ids = db.session.execute(insert(Client).returning(Client.id), [
        {"trainer_id": trainer_id, "name": f"Client {i:03d}", "mobile": f"+1415555{i:04d}", "sms_consent": True,
         "notes": ""} for i in range(CLIENTS)]).scalars().all()
    first = date.today() - timedelta(days=365)
    invoices = [dict(trainer_id=trainer_id, client_id=client_ids[n % CLIENTS], number=n + 1, currency="USD",
                     status=InvoiceStatus.paid if n % 3 else InvoiceStatus.open, total_cents=4500 + n % 5000,
                     issue_date=first + timedelta(days=n % 365), due_date=first + timedelta(days=n % 365 + 7),
                     version=1, included=True, note="", void_reason="", earlier_view_count=0, written_off_cents=0)
                for n in range(INVOICES)]
    for i in range(0, INVOICES, BATCH):
        db.session.execute(insert(Invoice), invoices[i:i + BATCH])
    start = datetime.now(timezone.utc) - timedelta(days=365)
    sessions = [{"trainer_id": trainer_id, "client_id": client_ids[n % CLIENTS], "duration_minutes": 60,
                 "starts_at": start + timedelta(minutes=10 * n), "rate_cents": 8000, "status": "completed",
                 "no_show_chargeable": True, "notes": ""} for n in range(SESSIONS)]
    for i in range(0, SESSIONS, BATCH):
        db.session.execute(insert(TrainingSession), sessions[i:i + BATCH])
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))  # the statistics autovacuum would have after a bulk load


def statements_of(request) -> int:
    count = [0]

    def counted(*_args):
        count[0] += 1
    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        assert request().status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count[0]


def export_all(client, headers) -> tuple[float, float, int]:
    """Seconds, peak MB and bytes of a CSV export of every invoice, read chunk by chunk as a download is."""
    tracemalloc.start()
    started, size = time.perf_counter(), 0
    response = client.get("/api/v1/exports/invoices.csv?from=2000-01-01&to=2100-12-31", headers=headers)
    for chunk in response.response:
        size += len(chunk)
    response.close()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 1024 / 1024, size


def main() -> None:
    with bench_app() as (app, _redis):
        trainer = make_trainer(email="bench@example.com")
        seed(trainer.id)
        _, secret = api_tokens.create_token(trainer.id, "Bench", "read")
        headers = {"Authorization": f"Bearer {secret}"}
        client = app.test_client()
        ids = list(db.session.scalars(select(Invoice.id).where(Invoice.trainer_id == trainer.id).order_by(Invoice.id)))
        db.session.remove()
        pick = random.Random(7)

        def page_after(index: int):
            after = f"&starting_after={ids[index]}" if index else ""
            return lambda: client.get(f"/api/v1/invoices?limit={PAGE}{after}", headers=headers)

        page_after(0)()  # warm caches and the token's last-used write
        # The cheapest API request, in the same run: how busy the machine was while the rest was timed.
        baseline = [timed_ms(lambda: client.get("/api/v1/clients?limit=1", headers=headers)) for _ in range(ROUNDS)]
        lists = [timed_ms(page_after(pick.randrange(0, INVOICES - PAGE))) for _ in range(ROUNDS)]
        gets = [timed_ms(lambda: client.get(f"/api/v1/invoices/{pick.choice(ids)}", headers=headers))
                for _ in range(ROUNDS)]
        page1 = statements_of(page_after(0))
        page200 = statements_of(page_after(199 * PAGE - 1))
        export_s, export_mb, export_bytes = export_all(client, headers)

        print(f"invoices={INVOICES} sessions={SESSIONS} clients={CLIENTS} page={PAGE} rounds={ROUNDS} "
              f"export_bytes={export_bytes} db={db.engine.dialect.name}")
        print(figures(list_p50_ms=median(lists), list_p95_ms=percentile(lists, 95), get_p50_ms=median(gets),
                      queries_per_list=page1, queries_page1=page1, queries_page200=page200, export_s=export_s,
                      export_mb=export_mb, baseline_p50_ms=median(baseline)))


if __name__ == "__main__":
    main()
