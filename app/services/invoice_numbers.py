"""How invoice numbers read."""
from app.extensions import db
from app.models import Invoice


def format_invoice_number(number: int | None) -> str:
    return f"INV-{number:04d}" if number else "Draft"


def invoice_label(invoice_id: int | None) -> str:
    """A finalized invoice's number for messages; falls back to its id."""
    invoice = db.session.get(Invoice, invoice_id) if invoice_id else None
    return format_invoice_number(invoice.number) if invoice and invoice.number else "an invoice"
