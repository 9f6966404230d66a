"""How many texts may still go out: per trainer in 24 hours, per number in an hour, and how soon one
invoice may be texted again.

Counted from the outbox rows themselves (every row that went or may go to the provider; `not_sent`
rows never do), so there is no counter to drift. A row is judged against the rows written before it:
when it is written, under the trainer's row lock so that two writers cannot both take the last text,
and again when a job picks it up, so a row over the limit never reaches the provider.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import MessageStatus, OutboxMessage, Trainer
from app.models.message import SMS
from app.models.types import utcnow
from app.services import ServiceError

COUNTED = [s for s in MessageStatus if s is not MessageStatus.not_sent]
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
RESENT_TOO_SOON = "This invoice was texted a few minutes before; it is not sent twice so close together."


class ResendTooSoon(ServiceError):
    """The invoice was texted less than RESEND_MIN_INTERVAL_SECONDS ago; it may be resent at `allowed_at`."""

    def __init__(self, allowed_at: datetime):
        super().__init__("This invoice was texted a few minutes ago. Resend it later.")
        self.allowed_at = allowed_at


@dataclass
class TextQuota:
    daily_limit: int
    hourly_limit: int
    last_day: int
    last_hour_by_number: dict[str, int] = field(default_factory=dict)

    def refusal(self, number: str | None) -> str | None:
        """Why one more text to `number` may not go out now, or None."""
        if self.last_day >= self.daily_limit:
            return (f"You have sent {self.daily_limit} texts in the last 24 hours, your daily limit. "
                    "Share the link yourself, or text again later.")
        if self.last_hour_by_number.get(number, 0) >= self.hourly_limit:
            return (f"This number has had {self.hourly_limit} texts from you in the last hour, the most "
                    "Spotter sends. Try again later.")
        return None

    def take(self, number: str | None) -> None:
        self.last_day += 1
        self.last_hour_by_number[number] = self.last_hour_by_number.get(number, 0) + 1


def daily_limit(trainer: Trainer) -> int:
    """The trainer's own limit when an admin set one, else SMS_DAILY_LIMIT_PER_TRAINER."""
    if trainer.daily_text_limit is not None:
        return trainer.daily_text_limit
    return current_app.config["SMS_DAILY_LIMIT_PER_TRAINER"]


def text_quota(trainer: Trainer, before_id: int | None = None) -> TextQuota:
    """What the trainer's texts written so far (or before row `before_id`) leave, in one query."""
    return text_quotas([trainer], before_id)[trainer.id]


def text_quotas(trainers: list[Trainer], before_id: int | None = None) -> dict[int, TextQuota]:
    """`text_quota` for several trainers at once, in one query: trainer id -> quota."""
    now = utcnow()
    stmt = (select(OutboxMessage.trainer_id, OutboxMessage.address, func.count(OutboxMessage.id),
                   func.count(OutboxMessage.id).filter(OutboxMessage.created_at >= now - HOUR))
            .where(OutboxMessage.trainer_id.in_([t.id for t in trainers]), OutboxMessage.created_at >= now - DAY,
                   OutboxMessage.channel == SMS, OutboxMessage.status.in_(COUNTED))
            .group_by(OutboxMessage.trainer_id, OutboxMessage.address))
    if before_id is not None:
        stmt = stmt.where(OutboxMessage.id < before_id)
    quotas = {t.id: TextQuota(daily_limit=daily_limit(t), hourly_limit=current_app.config["SMS_HOURLY_LIMIT_PER_CLIENT"],
                              last_day=0) for t in trainers}
    for trainer_id, number, day, hour in db.session.execute(stmt):
        quotas[trainer_id].last_day += day
        if hour:
            quotas[trainer_id].last_hour_by_number[number] = hour
    return quotas


def quota_for_new_texts(trainer_id: int) -> TextQuota:
    """Takes the trainer's row lock (the one a submit takes) for the rest of the transaction, then counts:
    texts written meanwhile by another request wait for this one to commit, and count."""
    return quotas_for_new_texts([trainer_id])[trainer_id]


def quotas_for_new_texts(trainer_ids) -> dict[int, TextQuota]:
    """`quota_for_new_texts` for several trainers: their row locks taken in id order (two writers taking
    overlapping sets wait for each other rather than deadlock), then one count."""
    ids = sorted(set(trainer_ids))
    if len(ids) > 1:
        db.session.execute(select(Trainer.id).where(Trainer.id.in_(ids)).order_by(Trainer.id).with_for_update())
    db.session.execute(update(Trainer).where(Trainer.id.in_(ids))  # SQLite: its write lock
                       .values(last_invoice_number=Trainer.last_invoice_number))
    trainers = [db.session.get(Trainer, i) for i in ids]
    return text_quotas([t for t in trainers if t is not None])


def resend_allowed_at(invoice_id: int, before_id: int | None = None, channel: str = SMS) -> datetime | None:
    """When the invoice may be sent again on `channel`: RESEND_MIN_INTERVAL_SECONDS after its latest one."""
    return _after_latest(before_id, OutboxMessage.invoice_id == invoice_id, OutboxMessage.kind == "invoice",
                         OutboxMessage.channel == channel)


def billing_link_allowed_at(client_id: int, before_id: int | None = None) -> datetime | None:
    """When the client's billing page link may be texted again: RESEND_MIN_INTERVAL_SECONDS after the
    latest such text."""
    return _after_latest(before_id, OutboxMessage.client_id == client_id, OutboxMessage.kind == "billing_page")


def _after_latest(before_id: int | None, *conditions) -> datetime | None:
    stmt = select(func.max(OutboxMessage.created_at)).where(*conditions, OutboxMessage.status.in_(COUNTED))
    if before_id is not None:
        stmt = stmt.where(OutboxMessage.id < before_id)
    latest = db.session.scalar(stmt)
    if latest is None:
        return None
    return latest + timedelta(seconds=current_app.config["RESEND_MIN_INTERVAL_SECONDS"])


def set_daily_text_limit(email: str, limit: int | None) -> Trainer:
    """For admins: the trainer's own daily limit, or None to follow SMS_DAILY_LIMIT_PER_TRAINER."""
    trainer = db.session.scalar(select(Trainer).where(Trainer.email == (email or "").strip().lower()))
    if trainer is None:
        raise ServiceError(f"No trainer has the email {email}.")
    if limit is not None and limit < 0:
        raise ServiceError("The limit cannot be negative.")
    trainer.daily_text_limit = limit
    db.session.commit()
    return trainer
