"""Cursor pages of a trainer's rows for the API: ordered by id, so a page never shifts while rows are added
(new rows have larger ids and come after every cursor already handed out)."""
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy.orm import joinedload, load_only

from app.extensions import db
from app.models import Client, Invoice, InvoiceStatus
from app.tenancy import MAX_ROW_ID, owned

MAX_LIMIT = 100
INVOICE_STATUSES = tuple(s.value for s in InvoiceStatus)


@dataclass
class Page:
    data: list
    has_more: bool


def _page(stmt: Select, model, limit: int, starting_after: int | None) -> Page:
    limit = max(1, min(limit, MAX_LIMIT))
    if starting_after is not None:
        stmt = stmt.where(model.id > min(starting_after, MAX_ROW_ID))
    rows = list(db.session.scalars(stmt.order_by(model.id).limit(limit + 1)))
    return Page(rows[:limit], len(rows) > limit)


def clients_page(trainer_id: int, limit: int, starting_after: int | None = None) -> Page:
    return _page(owned(Client, trainer_id), Client, limit, starting_after)


def invoices_page(trainer_id: int, limit: int, starting_after: int | None = None, status: str | None = None) -> Page:
    # Only the columns a listed invoice shows: a page of 50 loads in a fraction of the time of whole rows.
    stmt = owned(Invoice, trainer_id).options(
        load_only(Invoice.number, Invoice.client_id, Invoice.paid_cents, Invoice.status, Invoice.currency, Invoice.total_cents,
                  Invoice.written_off_cents, Invoice.issue_date, Invoice.due_date),
        joinedload(Invoice.client).load_only(Client.name))
    if status:
        stmt = stmt.where(Invoice.status == InvoiceStatus(status))
    else:  # as the Invoices page's "All": what was sent; drafts only when asked for
        stmt = stmt.where(Invoice.status != InvoiceStatus.draft)
    return _page(stmt, Invoice, limit, starting_after)
