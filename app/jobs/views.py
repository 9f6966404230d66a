"""Folds the invoice views counted in Redis into the database (scheduled by the clock)."""
from app.services.public_invoice import fold_view_counts


def fold_invoice_views():
    return f"{fold_view_counts()} invoices updated"
