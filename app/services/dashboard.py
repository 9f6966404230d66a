"""What the trainer sees first: this week, and what is waiting to be billed."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.extensions import db

from app.models import Invoice, InvoiceStatus, Payment, Trainer, TrainingSession
from app.services import attention, payments, sessions
from app.timefmt import local_today, week_bounds


@dataclass
class Dashboard:
    week_sessions: list[TrainingSession]
    uninvoiced_count: int
    uninvoiced_cents: int
    text_problems: list
    opted_out: list
    money: "MoneySummary"
    to_confirm: list


@dataclass
class MoneySummary:
    outstanding_cents: int
    overdue_count: int
    overdue_cents: int
    collected_this_month_cents: int


def money_summary(trainer_id: int, today: date) -> MoneySummary:
    """Open, overdue and collected money, in two queries."""
    due = Invoice.total_cents - Invoice.paid_cents
    overdue = Invoice.due_date < today
    outstanding, overdue_count, overdue_cents = db.session.execute(
        select(func.coalesce(func.sum(due), 0), func.count(Invoice.id).filter(overdue),
               func.coalesce(func.sum(due).filter(overdue), 0))
        .where(Invoice.trainer_id == trainer_id, Invoice.status == InvoiceStatus.open)).one()
    collected = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0)).where(
            Payment.trainer_id == trainer_id, Payment.status.in_(payments.COUNTED), Payment.deleted_at.is_(None),
            Payment.received_on >= today.replace(day=1)))
    return MoneySummary(int(outstanding), int(overdue_count), int(overdue_cents), int(collected))


def build_dashboard(trainer: Trainer) -> Dashboard:
    start, end = week_bounds(local_today(trainer.timezone), trainer.timezone)
    count, cents = sessions.uninvoiced_summary(trainer.id)
    return Dashboard(week_sessions=sessions.list_between(trainer.id, start, end),
                     uninvoiced_count=count, uninvoiced_cents=cents,
                     text_problems=attention.text_problems(trainer.id),
                     opted_out=attention.opted_out_clients(trainer.id),
                     money=money_summary(trainer.id, local_today(trainer.timezone)),
                     to_confirm=payments.payments_to_confirm(trainer.id))
