"""Cursor pages of the API's other resources, by id as in api_pages, each with the filters its list takes."""
from datetime import date, datetime, time, timedelta

from app.extensions import db
from app.models import BillingRun, OutboxMessage, Payment, Plan, Trainer, TrainingSession
from app.services.api_pages import Page, _page
from app.tenancy import owned
from app.timefmt import local_to_utc


def _day_start(day: date, tz: str) -> datetime:
    return local_to_utc(datetime.combine(day, time()), tz)


def sessions_page(trainer_id: int, limit: int, starting_after: int | None = None, *, client_id: int | None = None,
                  from_day: date | None = None, to_day: date | None = None) -> Page:
    """Her sessions, of one client and from/to days (included) in her time zone when asked."""
    stmt = owned(TrainingSession, trainer_id)
    if client_id is not None:
        stmt = stmt.where(TrainingSession.client_id == client_id)
    tz = db.session.get(Trainer, trainer_id).timezone if from_day or to_day else None
    if from_day is not None:
        stmt = stmt.where(TrainingSession.starts_at >= _day_start(from_day, tz))
    if to_day is not None:
        stmt = stmt.where(TrainingSession.starts_at < _day_start(to_day + timedelta(days=1), tz))
    return _page(stmt, TrainingSession, limit, starting_after)


def plans_page(trainer_id: int, limit: int, starting_after: int | None = None) -> Page:
    return _page(owned(Plan, trainer_id), Plan, limit, starting_after)


def payments_page(trainer_id: int, limit: int, starting_after: int | None = None, *,
                  invoice_id: int | None = None, client_id: int | None = None) -> Page:
    """Her payments that stand (a deleted one is gone from the pages too)."""
    stmt = owned(Payment, trainer_id).where(Payment.deleted_at.is_(None))
    if invoice_id is not None:
        stmt = stmt.where(Payment.invoice_id == invoice_id)
    if client_id is not None:
        stmt = stmt.where(Payment.client_id == client_id)
    return _page(stmt, Payment, limit, starting_after)


def billing_runs_page(trainer_id: int, limit: int, starting_after: int | None = None) -> Page:
    return _page(owned(BillingRun, trainer_id), BillingRun, limit, starting_after)


def messages_page(trainer_id: int, limit: int, starting_after: int | None = None, *,
                  invoice_id: int | None = None, status: str | None = None) -> Page:
    stmt = owned(OutboxMessage, trainer_id)
    if invoice_id is not None:
        stmt = stmt.where(OutboxMessage.invoice_id == invoice_id)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return _page(stmt, OutboxMessage, limit, starting_after)
