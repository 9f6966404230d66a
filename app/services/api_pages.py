"""Cursor pages of a trainer's rows for the API: ordered by id, so a page never shifts while rows are added
(new rows have larger ids and come after every cursor already handed out)."""
from dataclasses import dataclass

from sqlalchemy import Select

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
    stmt = owned(Invoice, trainer_id)
    if status:
        stmt = stmt.where(Invoice.status == InvoiceStatus(status))
    return _page(stmt, Invoice, limit, starting_after)
