"""The PDF of a 20-line invoice: how long invoice_pdf() takes, read and drawn, against the client's HTML page
for the same invoice in the same run. Target: pdf_p50_ms <= 100.

`pdf_p50_ms()` measures in whatever app context and database the caller has open (bench/reminders.py
prints it beside its own figures). The machine's load average is printed too: other processes on it
slow every figure. Last line: key=value figures.
Run: .venv/bin/python -m bench.pdf [rounds]
"""
import os
import sys
import uuid
from datetime import date

from app.extensions import db
from app.models import Invoice, PaymentMethod
from app.services import payments
from app.services.links import public_url
from app.services.pdf_documents import invoice_pdf
from bench.harness import bench_app, figures, median, percentile, timed_ms
from tests import factories
from tests.invoice_helpers import bill_client

LINES = 20
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
TARGET_MS = 100


def seed_invoice() -> int:
    """A sent invoice of 20 sessions (one complimentary), half paid, for a client with an accented name."""
    trainer = factories.make_trainer(email=f"pdf-{uuid.uuid4().hex[:12]}@example.com",
                                     business_name="Fernández Strength", name="Lucía Fernández")
    invoice = bill_client(trainer, "Zoë Łukasiewicz", LINES, comp=3)
    payments.record_manual_payment(trainer.id, invoice.id, "bench", amount_cents=invoice.total_cents // 2,
                                   method=PaymentMethod.venmo, received_on=date.today())
    db.session.expire_all()
    return invoice.id


def pdf_timings(invoice_id: int, rounds: int = ROUNDS) -> list[float]:
    invoice_pdf(invoice_id)  # the first in a process also imports fpdf2
    return [timed_ms(lambda: invoice_pdf(invoice_id)) for _ in range(rounds)]


def pdf_p50_ms(rounds: int = ROUNDS) -> float:
    """p50 of invoice_pdf() for a 20-line invoice made for the purpose, in milliseconds."""
    return median(pdf_timings(seed_invoice(), rounds))


def main() -> None:
    with bench_app() as (app, _redis):
        invoice_id = seed_invoice()
        path = public_url(db.session.get(Invoice, invoice_id)).replace(app.config["PUBLIC_BASE_URL"], "")
        client = app.test_client()
        client.get(path)
        pages = [timed_ms(lambda: client.get(path)) for _ in range(ROUNDS)]
        pdfs = pdf_timings(invoice_id)
        size = len(invoice_pdf(invoice_id))
    print(f"lines={LINES} rounds={ROUNDS} bytes={size} target_ms={TARGET_MS} load_avg_1m={os.getloadavg()[0]:.2f}")
    print(figures(pdf_p50_ms=median(pdfs), pdf_p95_ms=percentile(pdfs, 95), page_p50_ms=median(pages),
                  pdf_to_page=median(pdfs) / median(pages)))


if __name__ == "__main__":
    main()
