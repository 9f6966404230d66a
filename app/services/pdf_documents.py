"""PDF copies of a sent invoice and of its receipt, for the client's records (many send them on for
reimbursement). Built from the view the client's page uses; drawn by app/pdf_layout.py. Another
process (a worker attaching them to an email) calls these with an id alone: the time zone is the
trainer's, read here and passed on. Whose invoice it is, the caller has checked (the routes' loaders)."""
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceStatus, Trainer
from app.money import format_cents
from app.phones import region_of
from app.services import packs
from app.services.invoice_numbers import format_invoice_number
from app.services.payments import METHOD_LABELS
from app.services.public_invoice import public_view
from app.tenancy import is_row_id
from app.timefmt import local_date

# Where letter paper is the norm; everywhere else prints on A4.
LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "PR"})
# A trainer with no mobile on file is placed by the currency she bills in.
CURRENCY_COUNTRIES = {"USD": "US", "CAD": "CA", "AUD": "AU", "GBP": "GB"}


class NoDocument(LookupError):
    """No such invoice, or a draft (it has no PDF), or a receipt for an invoice nothing was paid on."""


@dataclass
class DocumentLine:
    date: str
    description: str
    duration_minutes: int | None
    quantity: int
    unit_price: str
    no_charge: bool
    no_charge_reason: str
    amount: str


@dataclass
class Section:
    """Rows of label and value under a heading: a pack's balance, a membership's period."""
    heading: str
    rows: list[tuple[str, str]]


@dataclass
class Document:
    kind: str  # "invoice" or "receipt"
    paper: str  # "letter" or "A4"
    number: str
    business: str
    from_lines: list[str]  # her own name beside her business's; her mobile if clients may text her
    client: str
    # as the client's page has it: open, overdue, paid, void, nothing_to_pay, processing, reported
    status: str
    issued: str
    due: str  # "" when there is nothing to pay
    paid_on: str  # the day it became paid, in the trainer's zone; "" until then
    lines: list[DocumentLine]
    total: str
    paid: str
    balance: str
    payments: list[tuple[str, str, str]]  # date, method, amount (less what was refunded of it)
    sections: list[Section]
    note: str
    refund_owed: bool  # a void invoice something was paid on: the trainer will refund it


# Pack balance and membership period, once the ledger has them: one function each, taking the
# invoice and returning its Section or None.
LEDGER_SECTIONS: tuple = (packs.pdf_section,)


def invoice_pdf(invoice_id: int) -> bytes:
    """The invoice as the client's page shows it: lines, totals, payments and what is still due.
    A void one says CANCELLED. NoDocument for a draft."""
    return _render(document_for(_sent_invoice(invoice_id), "invoice"))


def receipt_pdf(invoice_id: int) -> bytes:
    """What was paid on the invoice, how and when, and any balance left. NoDocument unless it has a receipt."""
    invoice = _sent_invoice(invoice_id)
    if not invoice.has_receipt:
        raise NoDocument(f"invoice {invoice_id} has no receipt")
    return _render(document_for(invoice, "receipt"))


def document_pdf(invoice_id: int, kind: str) -> bytes:
    """`kind` "invoice" or "receipt"."""
    return receipt_pdf(invoice_id) if kind == "receipt" else invoice_pdf(invoice_id)


def pdf_filename(invoice: Invoice, kind: str) -> str:
    number = format_invoice_number(invoice.number)
    return f"{number}.pdf" if kind == "invoice" else f"{number}-{kind}.pdf"


def paper_for(trainer: Trainer) -> str:
    """Letter in the trainer's country if it prints on letter, else A4. Her country is her mobile's,
    or her currency's while she has no mobile."""
    country = region_of(trainer.mobile, fallback=CURRENCY_COUNTRIES.get(trainer.currency, ""))
    return "letter" if country in LETTER_COUNTRIES else "A4"


def _render(document: Document) -> bytes:
    # fpdf2 and fontTools take a good third of a second to import: only a process that draws a PDF pays it.
    from app import pdf_layout
    return pdf_layout.render(document)


def _sent_invoice(invoice_id: int) -> Invoice:
    """The invoice with its client, trainer and lines in one query (the client's page reads it the same way)."""
    if not is_row_id(invoice_id):
        raise NoDocument(f"invoice {invoice_id}")
    invoice = db.session.scalars(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.status != InvoiceStatus.draft)
        .options(joinedload(Invoice.trainer), joinedload(Invoice.lines))).unique().one_or_none()
    if invoice is None:
        raise NoDocument(f"invoice {invoice_id}")
    return invoice


def document_for(invoice: Invoice, kind: str) -> Document:
    view = public_view(invoice, on_phone=False)
    owner, tz = view.owner, view.owner.timezone
    money = partial(format_cents, currency=invoice.currency)
    return Document(
        kind=kind, paper=paper_for(owner), number=format_invoice_number(invoice.number),
        business=owner.display_name, from_lines=_from_lines(owner, view.text_number), client=invoice.client.name,
        status=view.status, issued=local_date(invoice.issue_date, tz),
        due="" if view.status == "nothing_to_pay" else local_date(invoice.due_date, tz),
        paid_on=local_date(invoice.paid_at, tz) if invoice.status == InvoiceStatus.paid and invoice.total_cents else "",
        lines=[_line(line, money) for line in invoice.live_lines],
        total=money(invoice.total_cents), paid=money(invoice.paid_cents), balance=money(invoice.due_cents),
        payments=[(local_date(p.received_on, tz), METHOD_LABELS[p.method], money(p.amount_cents - p.refunded_cents))
                  for p in view.paid_with],
        sections=[section for build in LEDGER_SECTIONS if (section := build(invoice)) is not None],
        note=invoice.note, refund_owed=invoice.status == InvoiceStatus.void and invoice.paid_cents > 0)


def _from_lines(owner: Trainer, text_number: str) -> list[str]:
    lines = [owner.name] if owner.business_name and owner.name and owner.name != owner.business_name else []
    return lines + ([text_number] if text_number else [])


def _line(line: InvoiceLine, money) -> DocumentLine:
    return DocumentLine(date=local_date(line.service_date), description=line.description,
                        duration_minutes=line.duration_minutes, quantity=line.quantity,
                        unit_price=money(line.unit_price_cents), no_charge=line.no_charge,
                        no_charge_reason=line.no_charge_reason, amount=money(line.amount_cents))
