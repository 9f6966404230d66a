"""Settings › Export: CSV files of invoices, payments and sessions for her accountant."""
import csv
import gc
import io
import re
import tracemalloc
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert, select

from app.extensions import db
from app.models import Invoice, InvoiceStatus, PaymentMethod
from app.money import format_cents, parse_cents
from app.services import payments
from app.timefmt import local_today
from tests import factories
from tests.invoice_helpers import submit_drafts


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.data.decode())))


def _export(browser, kind, start, end):
    return browser.get(f"/settings/export?kind={kind}&start={start}&end={end}")


def test_invoice_export_figures_match_the_invoices_page(logged_in, trainer):
    for name, sessions in (("Ana Díaz", 2), ("Ben Okafor", 1)):
        client = factories.make_client(trainer, name=name)
        for n in range(sessions):
            factories.make_session(client, days_ago=n + 1, rate_cents=4550)
    submit_drafts(trainer.id, "k1")
    ana = db.session.scalar(select(Invoice).join(Invoice.client).where(Invoice.client.has(name="Ana Díaz")))
    payments.record_manual_payment(trainer.id, ana.id, "test", amount_cents=2000, method=PaymentMethod.cash,
                                   received_on=local_today(trainer.timezone))
    today = local_today(trainer.timezone)

    rows = _rows(_export(logged_in, "invoices", today - timedelta(days=7), today))

    assert sorted((r["client"], r["total"], r["paid"], r["due"], r["status"], r["currency"]) for r in rows) == [
        ("Ana Díaz", "91.00", "20.00", "71.00", "open", "USD"), ("Ben Okafor", "45.50", "0.00", "45.50", "open", "USD")]
    page = logged_in.get("/invoices/?status=all").data.decode()
    for row in rows:
        item = re.search(rf"<strong>{row['client']}</strong>.*?</li>", page, re.S).group(0)
        assert format_cents(parse_cents(row["total"]), row["currency"]) in item
        assert row["number"] in item
    outstanding = re.search(r'id="outstanding">([^<]+)<', page).group(1)
    assert outstanding == format_cents(sum(parse_cents(r["due"]) for r in rows))


def test_payment_and_session_exports_have_one_row_each_in_her_days(logged_in, trainer):
    client = factories.make_client(trainer, name="Cleo")
    # 23:30 on Jan 31 in New York is already Feb 1 in UTC: the export puts it on her Jan 31.
    late = datetime(2026, 2, 1, 4, 30, tzinfo=timezone.utc)
    factories.make_session(client, starts_at=late, rate_cents=6000)
    factories.make_session(client, starts_at=late + timedelta(days=1), rate_cents=6000)
    submit_drafts(trainer.id, "k1")
    invoice = db.session.scalar(select(Invoice).where(Invoice.trainer_id == trainer.id))
    payments.record_manual_payment(trainer.id, invoice.id, "test", amount_cents=12000, method=PaymentMethod.venmo,
                                   received_on=date(2026, 2, 3))

    sessions = _rows(_export(logged_in, "sessions", "2026-01-31", "2026-01-31"))
    assert [(s["date"], s["start"], s["client"], s["rate"], s["chargeable"]) for s in sessions] == [
        ("2026-01-31", "23:30", "Cleo", "60.00", "yes")]
    assert sessions[0]["invoice"] == "INV-0001"
    paid = _rows(_export(logged_in, "payments", "2026-02-01", "2026-02-28"))
    assert [(p["received_on"], p["invoice"], p["method"], p["amount"], p["currency"]) for p in paid] == [
        ("2026-02-03", "INV-0001", "venmo", "120.00", "USD")]
    assert _rows(_export(logged_in, "payments", "2026-02-04", "2026-02-28")) == []


def test_bad_dates_are_told_beside_the_field_and_nothing_is_downloaded(logged_in):
    for query, message in [("start=2026-02-01&end=2026-01-01", "The last day cannot be before the first."),
                           ("start=1899-12-31&end=2026-01-01", "Enter a date between 1900 and 2100."),
                           ("start=2026-01-01&end=2101-01-01", "Enter a date between 1900 and 2100."),
                           ("start=&end=2026-01-01", "Enter the first day, like 2026-01-01."),
                           ("start=2026-13-01&end=2026-01-01", "Not a valid date value.")]:
        response = logged_in.get(f"/settings/export?kind=invoices&{query}")
        assert response.status_code == 200 and response.mimetype == "text/html", query
        assert message in response.data.decode(), query
    response = logged_in.get("/settings/export?kind=secrets&start=2026-01-01&end=2026-01-02")
    assert response.mimetype == "text/html" and "Not a valid choice" in response.data.decode()


def test_the_export_page_is_linked_from_settings(logged_in):
    assert 'href="/settings/export"' in logged_in.get("/settings/").data.decode()
    page = logged_in.get("/settings/export").data.decode()
    assert 'name="start"' in page and 'name="end"' in page and "America/New_York" in page


def test_a_name_that_looks_like_a_formula_stays_text(logged_in, trainer):
    client = factories.make_client(trainer, name="=HYPERLINK(\"x\")")
    factories.make_session(client)
    today = local_today(trainer.timezone)
    rows = _rows(_export(logged_in, "sessions", today - timedelta(days=3), today))
    assert rows[0]["client"] == "'=HYPERLINK(\"x\")"


def _many_invoices(trainer, count: int) -> None:
    client = factories.make_client(trainer, name="Dana")
    db.session.execute(insert(Invoice), [
        dict(trainer_id=trainer.id, client_id=client.id, status=InvoiceStatus.open, number=n, total_cents=4500 + n,
             currency="USD", issue_date=date(2026, 1, 1) + timedelta(days=n % 365), due_date=date(2027, 1, 1),
             version=1, included=True, note="", void_reason="", earlier_view_count=0, written_off_cents=0)
        for n in range(1, count + 1)])
    db.session.commit()


def _peak_bytes(work) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_exporting_ten_thousand_invoices_streams_without_holding_them(logged_in, trainer):
    _many_invoices(trainer, 10_000)
    trainer_id = trainer.id
    seen = {"rows": 0, "cents": 0}

    def export():
        response = logged_in.client.get("/settings/export?kind=invoices&start=2026-01-01&end=2026-12-31")
        assert response.is_streamed
        for chunk in response.response:  # read as a browser would, chunk by chunk
            for row in csv.reader(io.StringIO(chunk.decode() if isinstance(chunk, bytes) else chunk)):
                if row[0] != "number":
                    seen["rows"] += 1
                    seen["cents"] += parse_cents(row[6])
        response.close()

    def load_all():
        db.session.expunge_all()
        rows = db.session.scalars(select(Invoice).where(Invoice.trainer_id == trainer_id)).all()
        assert len(rows) == 10_000
        db.session.expunge_all()

    streamed, loaded = _peak_bytes(export), _peak_bytes(load_all)
    assert seen["rows"] == 10_000
    assert seen["cents"] == sum(4500 + n for n in range(1, 10_001))
    print(f"export peak {streamed} bytes, loading all {loaded} bytes")
    assert streamed < loaded / 4, (streamed, loaded)
