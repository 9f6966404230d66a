"""Create invoices at scale: 200 clients x 10 sessions.

Prints page render p50/p95, one line adjustment p50, and the submit of all 200 invoices (enqueue
included), with the health check's p50 as a same-run baseline. Last line: key=value figures.
Run: .venv/bin/python -m bench.create_invoices
"""
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select

from app.extensions import db
from app.models import Client, Invoice, TrainingSession
from bench.harness import bench_app, figures, median, percentile, timed_ms
from tests.conftest import Browser
from tests.factories import make_trainer
from tests.invoice_helpers import submit_fields

CLIENTS, SESSIONS = 200, 10
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 15


def seed(trainer_id: int) -> None:
    ids = db.session.execute(insert(Client).returning(Client.id), [
        {"trainer_id": trainer_id, "name": f"Client {i:03d}", "mobile": f"+1415555{i:04d}", "sms_consent": True,
         "notes": ""} for i in range(CLIENTS)]).scalars().all()
    now = datetime.now(timezone.utc)
    db.session.execute(insert(TrainingSession), [
        {"trainer_id": trainer_id, "client_id": cid, "starts_at": now - timedelta(days=1 + s, hours=i % 12),
         "duration_minutes": 60, "rate_cents": 8000, "status": "completed", "no_show_chargeable": True,
         "notes": ""} for i, cid in enumerate(ids) for s in range(SESSIONS)])
    db.session.commit()


def main() -> None:
    with bench_app() as (app, _redis):
        trainer = make_trainer(email="bench@example.com")
        seed(trainer.id)
        browser = Browser(app.test_client())
        browser.login(trainer.email)
        build_ms = timed_ms(lambda: browser.post("/invoices/bill", follow_redirects=True))  # Bill now builds 200 drafts

        baseline = [timed_ms(lambda: browser.client.get("/healthz")) for _ in range(ROUNDS)]
        pages = [timed_ms(lambda: browser.get("/invoices/create")) for _ in range(ROUNDS)]

        adjust = []
        for i in range(ROUNDS):
            draft = db.session.scalars(select(Invoice).order_by(Invoice.id).offset(i).limit(1)).one()
            line = draft.lines[0]
            data = {"version": draft.version, "unit_price": f"{70 + i}", "quantity": "1",
                    "description": line.description}
            adjust.append(timed_ms(lambda: browser.post(f"/invoices/drafts/{draft.id}/lines/{line.id}", data,
                                                        htmx=True)))
            db.session.expire_all()

        fields = submit_fields(browser.get("/invoices/create").data)
        response = None

        def submit():
            nonlocal response
            response = browser.post("/invoices/submit", fields)
        submit_ms = timed_ms(submit)
        assert response.status_code == 303, response.data[-600:]
        sent = db.session.scalar(select(func.count(Invoice.id)).where(Invoice.status == "open"))

        print(f"clients={CLIENTS} sessions_per_client={SESSIONS} rounds={ROUNDS} invoices_submitted={sent}")
        print(figures(page_p50_ms=median(pages), page_p95_ms=percentile(pages, 95),
                      adjust_p50_ms=median(adjust), submit_ms=submit_ms, first_build_ms=build_ms,
                      baseline_p50_ms=median(baseline), page_to_baseline=median(pages) / median(baseline)))


if __name__ == "__main__":
    main()
