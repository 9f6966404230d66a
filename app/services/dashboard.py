"""What the trainer sees first: this week, and what is waiting to be billed."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, select

from app.extensions import db
from app.models import Client, Payment, PaymentMethod, Trainer, TrainingSession
from app.services import attention, autopay_overview, packs, payments, sessions
from app.services.invoices import OpenTotals, open_totals
from app.timefmt import local_today, week_bounds


@dataclass
class GettingStarted:
    """The three first steps of a new trainer, and which of them she has taken."""

    profile: bool
    client: bool
    session: bool

    @property
    def done(self) -> bool:
        return self.profile and self.client and self.session


@dataclass
class Dashboard:
    getting_started: GettingStarted
    week_sessions: list[TrainingSession]
    uninvoiced_count: int
    uninvoiced_cents: int
    text_problems: list
    opted_out: list
    money: "MoneySummary"
    to_confirm: list
    packs: list  # packs running low (2 or fewer left) or expiring within 14 days
    failed_payments: list  # auto-pay charges that failed: reason, next try, the trainer's choices
    autopay_clients: int = 0  # clients with auto-pay on: the dashboard links to their overview


@dataclass
class MoneySummary(OpenTotals):
    collected_this_month_cents: int


def money_summary(trainer_id: int, today: date) -> MoneySummary:
    """Open, overdue and collected money, in two queries."""
    open_money = open_totals(trainer_id, today)
    collected = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0)).where(
            Payment.trainer_id == trainer_id, Payment.status.in_(payments.COUNTED), Payment.deleted_at.is_(None),
            Payment.method != PaymentMethod.credit,  # a credit given is not money collected
            Payment.received_on >= today.replace(day=1)))
    return MoneySummary(open_money.outstanding_cents, open_money.overdue_count, open_money.overdue_cents,
                        int(collected))


def getting_started(trainer: Trainer) -> GettingStarted:
    """One query: has she a client, and a session? Archived and cancelled ones count: the step was taken."""
    has_client, has_session = db.session.execute(select(
        exists().where(Client.trainer_id == trainer.id),
        exists().where(TrainingSession.trainer_id == trainer.id))).one()
    return GettingStarted(profile=trainer.has_saved_profile, client=bool(has_client), session=bool(has_session))


def build_dashboard(trainer: Trainer) -> Dashboard:
    today = local_today(trainer.timezone)
    start, end = week_bounds(today, trainer.timezone)
    count, cents = sessions.uninvoiced_summary(trainer.id)
    return Dashboard(getting_started=getting_started(trainer), week_sessions=sessions.list_between(trainer.id, start, end),
                     uninvoiced_count=count, uninvoiced_cents=cents,
                     text_problems=attention.text_problems(trainer.id),
                     opted_out=attention.opted_out_clients(trainer.id),
                     money=money_summary(trainer.id, today),
                     to_confirm=payments.payments_to_confirm(trainer.id),
                     packs=packs.packs_needing_attention(trainer.id, today),
                     failed_payments=autopay_overview.failed_payments(trainer.id),
                     autopay_clients=autopay_overview.autopay_client_count(trainer.id))
