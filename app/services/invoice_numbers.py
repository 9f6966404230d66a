"""How invoice numbers read."""


def format_invoice_number(number: int) -> str:
    return f"INV-{number:04d}"


def invoice_label(invoice_id: int | None) -> str:
    """A finalized invoice's number for messages; falls back to its id."""
    if invoice_id is None:
        return "an invoice"
    try:
        from app.models import Invoice  # arrives with invoicing
    except ImportError:
        return f"#{invoice_id}"
    from app.extensions import db
    invoice = db.session.get(Invoice, invoice_id)
    return format_invoice_number(invoice.number) if invoice and invoice.number else f"#{invoice_id}"
