"""CSV exports for the trainer's accountant: invoices, payments and sessions over a range of her days.
Rows are read in chunks and written as they come, so a year of data never sits in memory at once."""
import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Client, Invoice, InvoiceStatus, Payment, Trainer, TrainingSession
from app.money import cents_to_input
from app.services.invoice_numbers import format_invoice_number
from app.timefmt import local_to_utc, to_local

KINDS = ("invoices", "payments", "sessions")
CHUNK_ROWS = 500
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

INVOICE_COLUMNS = ["number", "client", "status", "issue_date", "due_date", "currency", "total", "paid",
                   "written_off", "due", "voided_on"]
PAYMENT_COLUMNS = ["payment_id", "received_on", "client", "invoice", "method", "status", "currency", "amount",
                   "refunded", "note"]
SESSION_COLUMNS = ["date", "start", "client", "duration_minutes", "status", "chargeable", "currency", "rate",
                   "invoice"]


def amount(cents: int | None) -> str:
    """Cents as the decimal string a spreadsheet reads: 4550 -> '45.50', -500 -> '-5.00'."""
    return cents_to_input(int(cents or 0))


def export_filename(kind: str, start: date, end: date) -> str:
    return f"spotter-{kind}-{start.isoformat()}-to-{end.isoformat()}.csv"


def export_csv(trainer_id: int, kind: str, start: date, end: date) -> Iterator[str]:
    """The CSV text of one export, a chunk of rows at a time; `start` and `end` are days in her zone,
    both included."""
    trainer = db.session.get(Trainer, trainer_id)
    header, rows = {"invoices": (INVOICE_COLUMNS, _invoice_rows), "payments": (PAYMENT_COLUMNS, _payment_rows),
                    "sessions": (SESSION_COLUMNS, _session_rows)}[kind]
    yield _csv_text([header])
    for chunk in _chunks(rows(trainer, start, end)):
        yield _csv_text(chunk)


def _invoice_rows(trainer: Trainer, start: date, end: date) -> Iterator[list]:
    paid_cents = Invoice.paid_cents.expression
    stmt = (select(Invoice.number, Client.name, Invoice.status, Invoice.issue_date, Invoice.due_date,
                   Invoice.currency, Invoice.total_cents, paid_cents, Invoice.written_off_cents, Invoice.voided_at)
            .join(Client, Client.id == Invoice.client_id)
            .where(Invoice.trainer_id == trainer.id, Invoice.status != InvoiceStatus.draft,
                   Invoice.issue_date >= start, Invoice.issue_date <= end)
            .order_by(Invoice.issue_date, Invoice.number))
    for number, client, status, issued, due_on, currency, total, paid, written_off, voided_at in _stream(stmt):
        due = 0 if status == InvoiceStatus.void else max(total - paid - (written_off or 0), 0)
        yield [format_invoice_number(number), client, status.value, _day(issued), _day(due_on), currency,
               amount(total), amount(paid), amount(written_off), amount(due),
               _day(to_local(voided_at, trainer.timezone).date()) if voided_at else ""]


def _payment_rows(trainer: Trainer, start: date, end: date) -> Iterator[list]:
    invoice = aliased(Invoice)
    stmt = (select(Payment.id, Payment.received_on, Client.name, invoice.number, Payment.method, Payment.status,
                   case((invoice.currency.is_(None), trainer.currency), else_=invoice.currency),
                   Payment.amount_cents, Payment.refunded_cents, Payment.note)
            .join(Client, Client.id == Payment.client_id)
            .outerjoin(invoice, invoice.id == Payment.invoice_id)
            .where(Payment.trainer_id == trainer.id, Payment.deleted_at.is_(None),
                   Payment.received_on >= start, Payment.received_on <= end)
            .order_by(Payment.received_on, Payment.id))
    for payment_id, received_on, client, number, method, status, currency, cents, refunded, note in _stream(stmt):
        yield [payment_id, _day(received_on), client, format_invoice_number(number) if number else "",
               method.value, status.value, currency, amount(cents), amount(refunded), note]


def _session_rows(trainer: Trainer, start: date, end: date) -> Iterator[list]:
    first = local_to_utc(datetime(start.year, start.month, start.day), trainer.timezone)
    after = local_to_utc(datetime(end.year, end.month, end.day) + timedelta(days=1), trainer.timezone)
    stmt = (select(TrainingSession.starts_at, Client.name, TrainingSession.duration_minutes, TrainingSession.status,
                   TrainingSession.is_chargeable, TrainingSession.rate_cents, Invoice.number)
            .join(Client, Client.id == TrainingSession.client_id)
            .outerjoin(Invoice, Invoice.id == TrainingSession.invoice_id)
            .where(TrainingSession.trainer_id == trainer.id, TrainingSession.starts_at >= first,
                   TrainingSession.starts_at < after)
            .order_by(TrainingSession.starts_at, TrainingSession.id))
    for starts_at, client, minutes, status, chargeable, rate, number in _stream(stmt):
        local = to_local(starts_at, trainer.timezone)
        yield [_day(local.date()), f"{local:%H:%M}", client, minutes, status.value, "yes" if chargeable else "no",
               trainer.currency, amount(rate), format_invoice_number(number) if number else ""]


def _stream(stmt: Select) -> Iterator:
    """Rows fetched CHUNK_ROWS at a time (a server-side cursor on PostgreSQL)."""
    return iter(db.session.execute(stmt.execution_options(yield_per=CHUNK_ROWS)))


def _chunks(rows: Iterable[list]) -> Iterator[list[list]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_text(rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([[_safe_cell(value) for value in row] for row in rows])
    return out.getvalue()


def _safe_cell(value):
    """Text a spreadsheet would run as a formula (a client named "=HYPERLINK(...)") is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        if not _is_number(value):
            return "'" + value
    return value


def _is_number(text: str) -> bool:
    return bool(_NUMBER.fullmatch(text))  # "-5.00" is an amount, "-cmd" is not


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""
