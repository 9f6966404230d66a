"""Reminders: each trainer's schedule, and the clock's tick that sends what is due.

Each step of an invoice's schedule is taken once (a `reminder_sends` row, unique per invoice and
step), and each client gets at most one reminder a day (its outbox rows share a dedupe key per client
and local day): two clocks at once, or a tick run twice, send one. The words are written when the
message goes out, from what is due then: an invoice paid, voided or reported paid by the client since
is left out, and a reminder with nothing left to ask for is not sent.
"""
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (Client, Invoice, InvoiceStatus, LateFee, OutboxMessage, Payment, ReminderSend, ReminderStep,
                        Trainer)
from app.models.message import EMAIL, SMS
from app.models.reminder import DEFAULT_STEPS, EARLIEST_DAYS, LATEST_DAYS, MAX_STEPS
from app.models.types import utcnow
from app.money import format_cents
from app.services import ServiceError
from app.services.invoice_numbers import format_invoice_number
from app.services.links import public_url
from app.services.outbox import enqueue_messages, new_messages, pending_ids
from app.services.text_quota import TextQuota, quotas_for_new_texts
from app.services.payments import awaiting_confirmation
from app.timefmt import to_local

log = logging.getLogger(__name__)
NOTHING_DUE = "Nothing is due any more: paid or cancelled before the reminder went out."


@dataclass(frozen=True)
class Step:
    days_after_due: int
    enabled: bool = True

    @property
    def label(self) -> str:
        d = self.days_after_due
        if d == 0:
            return "On the due date"
        return f"{abs(d)} day{'s' if abs(d) != 1 else ''} {'after' if d > 0 else 'before'} the due date"


def schedule_for(trainer_id: int) -> list[Step]:
    rows = db.session.scalars(select(ReminderStep).where(ReminderStep.trainer_id == trainer_id)
                              .order_by(ReminderStep.days_after_due)).all()
    if not rows:
        return [Step(d, on) for d, on in DEFAULT_STEPS]
    return [Step(r.days_after_due, r.enabled) for r in rows]


def save_schedule(trainer_id: int, steps: list[Step]) -> list[Step]:
    """Replaces her schedule. Refused, nothing changed: more than five steps, two on the same day, or
    a day out of range."""
    if len(steps) > MAX_STEPS:
        raise ServiceError(f"A schedule has at most {MAX_STEPS} steps.", "steps")
    days = [s.days_after_due for s in steps]
    if len(set(days)) != len(days):
        raise ServiceError("Two steps fall on the same day; give each its own day.", "steps")
    if any(not EARLIEST_DAYS <= d <= LATEST_DAYS for d in days):
        raise ServiceError(f"Each step is between {-EARLIEST_DAYS} days before and {LATEST_DAYS} days after "
                           "the due date.", "steps")
    db.session.execute(ReminderStep.__table__.delete().where(ReminderStep.trainer_id == trainer_id))
    for step in steps:
        db.session.add(ReminderStep(trainer_id=trainer_id, days_after_due=step.days_after_due, enabled=step.enabled))
    db.session.commit()
    return schedule_for(trainer_id)


def set_invoice_reminders(trainer_id: int, invoice_id: int, enabled: bool) -> Invoice:
    from app.tenancy import require_owned
    invoice = require_owned(Invoice, trainer_id, invoice_id)
    invoice.reminders_enabled = enabled
    db.session.commit()
    return invoice


def set_client_reminders(trainer_id: int, client_id: int, enabled: bool) -> Client:
    from app.tenancy import require_owned
    client = require_owned(Client, trainer_id, client_id)
    client.reminders_enabled = enabled
    db.session.commit()
    return client


def _still_due():
    """SQL: an open invoice with something to pay and no payment the client reported waiting."""
    return (Invoice.status == InvoiceStatus.open) & ~exists().where(
        Payment.__table__.c.invoice_id == Invoice.id, awaiting_confirmation())


def due_reminders_query(today_latest: date, earliest_step: int = 0):
    """Open invoices whose schedule may have a step due by `today_latest` (the latest local date
    anywhere), with what deciding needs (columns, not whole rows: a tick reads tens of thousands):
    the reminder tick's one selection. `earliest_step` is the earliest enabled step of any schedule (0
    with the defaults: nothing before its due date)."""
    return (select(Invoice.id, Invoice.client_id, Invoice.trainer_id, Invoice.due_date, Invoice.finalized_at,
                   Invoice.created_at, Invoice.total_cents, Invoice.paid_cents, Invoice.written_off_cents,
                   Client.timezone, Trainer.timezone)
            .join(Client, Client.id == Invoice.client_id)
            .join(Trainer, Trainer.id == Invoice.trainer_id)
            .where(*_open_and_due_by(today_latest, earliest_step),
                   ~exists().where(Payment.__table__.c.invoice_id == Invoice.id, awaiting_confirmation()),
                   Invoice.reminders_enabled, Client.reminders_enabled, Client.archived_at.is_(None))
            .order_by(Invoice.client_id, Invoice.due_date, Invoice.id))


def _open_and_due_by(today_latest: date, earliest_step: int) -> tuple:
    """The part of the selection the (status, due_date) index answers alone."""
    return (Invoice.status == InvoiceStatus.open,
            Invoice.due_date <= today_latest + timedelta(days=max(0, -earliest_step)))


def _earliest_step() -> int:
    saved = db.session.scalar(select(func.min(ReminderStep.days_after_due)).where(ReminderStep.enabled))
    return min(0, saved if saved is not None else 0, *(d for d, on in DEFAULT_STEPS if on))


@dataclass
class DueReminder:
    client_id: int
    trainer_id: int
    today: date
    items: list  # (invoice id, step) pairs, oldest due first

    @property
    def key(self) -> str:
        """The dedupe key of her outbox rows: one reminder per client and local day."""
        return f"reminder:{self.client_id}:{self.today.isoformat()}"


def due_reminders(now: datetime) -> list[DueReminder]:
    """Who is due a reminder now, each client once, with the invoices and steps it covers."""
    today_latest, earliest_step = (now + timedelta(days=1)).date(), _earliest_step()
    rows = db.session.execute(due_reminders_query(today_latest, earliest_step)).all()
    if not rows:
        return []
    # The schedules and the steps taken, for the invoices the index finds (a superset of the rows).
    candidates = select(Invoice.id, Invoice.trainer_id).where(*_open_and_due_by(today_latest, earliest_step))
    saved: dict[int, list[ReminderStep]] = {}
    for step in db.session.scalars(select(ReminderStep).where(ReminderStep.trainer_id.in_(
            candidates.with_only_columns(Invoice.trainer_id).scalar_subquery()))):
        saved.setdefault(step.trainer_id, []).append(step)
    step_days = {trainer_id: [s.days_after_due for s in own if s.enabled] for trainer_id, own in saved.items()}
    default_days = [d for d, on in DEFAULT_STEPS if on]
    taken = set(db.session.execute(select(ReminderSend.invoice_id, ReminderSend.days_after_due)
                                   .where(ReminderSend.invoice_id.in_(
                                       candidates.with_only_columns(Invoice.id).scalar_subquery()))).all())

    todays: dict[str | None, date] = {}  # her local date now, by time zone: worked out once each
    due: dict[int, tuple[int, date, list]] = {}  # client id -> trainer id, her today, items
    for (invoice_id, client_id, trainer_id, due_date, finalized_at, created_at, total_cents, paid_cents,
         written_off_cents, client_tz, trainer_tz) in rows:
        if total_cents - paid_cents - (written_off_cents or 0) <= 0 or due_date is None:  # Invoice.due_cents
            continue
        tz = client_tz or trainer_tz
        today = todays.get(tz) or todays.setdefault(tz, to_local(now, tz).date())
        sent_day = to_local(finalized_at or created_at, tz).date()
        due_steps = [d for d in step_days.get(trainer_id, default_days)
                     if sent_day <= due_date + timedelta(days=d) <= today]
        if not due_steps or (invoice_id, max(due_steps)) in taken:
            continue
        due.setdefault(client_id, (trainer_id, today, []))[2].append((invoice_id, max(due_steps)))
    return [DueReminder(client_id, trainer_id, today, items) for client_id, (trainer_id, today, items) in due.items()]


def _load(model, ids) -> dict:
    """The rows of `model` with these ids (a chunk's: at most CHUNK), by id, in one read."""
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(sorted(ids))))}


CHUNK = 500  # clients written per transaction by the tick


def remind_due(now: datetime | None = None) -> int:
    """The clock's tick: one reminder per client due one today (her time), on her channels, held
    until 08:00 when it falls in quiet hours. Returns the number of clients reminded."""
    now = now or utcnow()
    from app.services.late_fees import add_due_late_fees
    add_due_late_fees(now)  # first, so that today's reminder asks for the fee and says so
    due = due_reminders(now)
    return sum(_remind_chunk(due[start:start + CHUNK], now) for start in range(0, len(due), CHUNK))


def _remind_chunk(chunk: list[DueReminder], now: datetime) -> int:
    """Up to CHUNK clients' reminders in one transaction; a client reminded today already is left out.
    If another clock wrote one of these rows meanwhile, the chunk is taken again one client at a time."""
    taken = set(db.session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.channel.in_([SMS, EMAIL]), OutboxMessage.dedupe_key.in_([d.key for d in chunk]))))
    fresh = [d for d in chunk if d.key not in taken]
    if not fresh:
        return 0
    if _remind(fresh, now):
        return len(fresh)
    return sum(1 for d in fresh if _remind([d], now))


def _remind(due: list[DueReminder], now: datetime) -> bool:
    """These clients' reminders in one transaction: their trainers' rows locked at once, one count of
    their texts, the rows written in one flush. False, nothing written: the database's unique constraints
    refused it (another clock took one of these steps, or reminded one of them today already)."""
    clients = _load(Client, {d.client_id for d in due})
    trainers = _load(Trainer, {d.trainer_id for d in due})
    try:
        quotas = quotas_for_new_texts(d.trainer_id for d in due)
        messages = [m for d in due for m in _reminder_rows(
            clients[d.client_id], trainers[d.trainer_id], d, now, quotas[d.trainer_id])]
        db.session.execute(insert(ReminderSend), [row for d in due for row in _steps_taken(d)])
        db.session.flush()
        pending = pending_ids(messages)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    enqueue_messages(pending)
    return True


def _steps_taken(due: DueReminder) -> list[dict]:
    """The `reminder_sends` rows of the client's reminder: one per invoice it covers (written with a
    plain executemany: no ids to read back)."""
    return [dict(invoice_id=invoice_id, client_id=due.client_id, days_after_due=days, local_day=due.today,
                 message_key=due.key) for invoice_id, days in due.items]


def _reminder_rows(client: Client, trainer: Trainer, due: DueReminder, now: datetime,
                   quota: TextQuota) -> list[OutboxMessage]:
    """The client's outbox rows for the current transaction, held until 08:00 when `now` is in her
    quiet hours."""
    from app.services.quiet_hours import send_after

    messages = new_messages(client, trainer.id, due.items[0][0], kind="reminder", quota=quota, dedupe_key=due.key)
    wait = send_after(now, client.timezone or trainer.timezone)  # at the tick's `now`, always
    for message in messages:
        message.send_after = wait
    return messages


def reminder_invoices(message: OutboxMessage) -> list[Invoice]:
    """The invoices a reminder covers that still have something due now, oldest due first: what it
    lists, and the PDFs its email attaches."""
    invoice_ids = db.session.scalars(select(ReminderSend.invoice_id).where(
        ReminderSend.message_key == message.dedupe_key)).all() if message.dedupe_key else [message.invoice_id]
    invoices = db.session.scalars(select(Invoice).where(Invoice.id.in_(invoice_ids), _still_due())
                                  .order_by(Invoice.due_date, Invoice.id)).all()
    return [i for i in invoices if i.due_cents > 0]


def reminder_context(message: OutboxMessage) -> dict | None:
    """What a reminder says, from what is due now on the invoices it covers; None when nothing is."""
    invoices = reminder_invoices(message)
    if not invoices:
        return None
    trainer = db.session.get(Trainer, message.trainer_id)
    client = invoices[0].client
    today = to_local(utcnow(), client.timezone or trainer.timezone).date()
    first = invoices[0]
    currency = first.currency
    items = [dict(number=format_invoice_number(i.number), amount=format_cents(i.due_cents, i.currency),
                  due=f"{i.due_date:%b} {i.due_date.day}", link=public_url(i)) for i in invoices]
    fees = db.session.scalars(select(LateFee).where(LateFee.invoice_id.in_([i.id for i in invoices]))).all()
    late_fee = format_cents(sum(f.amount_cents for f in fees), currency) if fees else ""
    return dict(business=trainer.display_name, first=client.first_name, count=len(invoices), items=items,
                late_fee=late_fee,
                total=format_cents(sum(i.due_cents for i in invoices), currency),
                number=items[0]["number"], amount=items[0]["amount"], due=items[0]["due"], link=items[0]["link"],
                overdue=first.due_date < today, invoice_id=first.id)
