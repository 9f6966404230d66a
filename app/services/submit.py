"""Submit invoices: finalize the batch in one transaction, then enqueue one text job per invoice."""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (Batch, Invoice, InvoiceStatus, MessageStatus, Trainer, TrainingSession)
from app.models.types import utcnow
from app.money import format_cents
from app.services import ServiceError, ledger
from app.services import ServiceError, autopay_cycle, packs
from app.services.audit import record_event
from app.services.drafts import by_client_name, invoice_max_cents, is_sendable, over_the_ceiling
from app.services.invoice_numbers import format_invoice_number
from app.services.links import new_public_id
from app.services.outbox import enqueue_messages, new_messages
from app.services.text_quota import text_quota
from app.timefmt import local_today

CHANGED_MESSAGE = ("Some invoices changed since this page was opened. Check the new totals, "
                   "then send again.")


class ChangedMeanwhile(ServiceError):
    """A draft changed after the trainer saw it: nothing is sent."""


@dataclass
class SubmitResult:
    batch: Batch
    created: bool


def submit_batch(trainer_id: int, submit_key: str, expected_versions: dict[int, int],
                 actor: str) -> SubmitResult:
    """Finalizes the drafts the trainer saw. A repeated submit (double tap, second tab, retry)
    creates nothing and returns the batch that the first one made."""
    submit_key = (submit_key or "")[:64]
    if not submit_key or not expected_versions:
        raise ServiceError("There are no invoices to send.")
    db.session.rollback()  # start a fresh transaction whose first statement takes the lock
    # Serialize submits per trainer: the row lock (PostgreSQL) or write lock (SQLite) is held to commit.
    db.session.execute(update(Trainer).where(Trainer.id == trainer_id)
                       .values(last_invoice_number=Trainer.last_invoice_number))
    earlier = _earlier_batch(trainer_id, submit_key, list(expected_versions))
    if earlier is not None:
        db.session.rollback()
        return SubmitResult(earlier, created=False)

    drafts = list(db.session.scalars(
        select(Invoice).where(Invoice.trainer_id == trainer_id, Invoice.id.in_(list(expected_versions)),
                              Invoice.status == InvoiceStatus.draft)
        .options(selectinload(Invoice.lines))).unique())
    if any(d.version != expected_versions[d.id] for d in drafts):
        db.session.rollback()
        raise ChangedMeanwhile(CHANGED_MESSAGE)
    drafts = sorted((d for d in drafts if is_sendable(d)), key=by_client_name)
    if not drafts:
        db.session.rollback()
        raise ServiceError("There are no invoices to send.")
    too_big = [d for d in drafts if over_the_ceiling(d.lines_sum_cents, d.currency)]
    if too_big:
        db.session.rollback()
        raise ServiceError(_over_the_ceiling_message(too_big))

    trainer = db.session.get(Trainer, trainer_id)
    batch, queued_ids = _finalize(trainer, drafts, submit_key, actor)
    sent_ids = [d.id for d in drafts]
    db.session.commit()
    enqueue_messages(queued_ids)
    autopay_cycle.after_send(sent_ids)  # auto-pay invoices: finalized and charged at Stripe by a job
    return SubmitResult(batch, created=True)


def _over_the_ceiling_message(drafts: list[Invoice]) -> str:
    over = ", ".join(f"{d.client.name} ({format_cents(d.lines_sum_cents, d.currency)})" for d in drafts)
    return (f"Nothing was sent: an invoice can be at most {format_cents(invoice_max_cents(), drafts[0].currency)}, "
            f"and these are over it: {over}. Lower them, or leave them out of this batch.")


def _earlier_batch(trainer_id: int, submit_key: str, invoice_ids: list[int]) -> Batch | None:
    batch = db.session.scalar(select(Batch).where(Batch.trainer_id == trainer_id,
                                                  Batch.submit_key == submit_key))
    if batch is not None:
        return batch
    # Same drafts submitted from another tab: they are already in a batch.
    return db.session.scalar(
        select(Batch).join(Invoice, Invoice.batch_id == Batch.id)
        .where(Invoice.trainer_id == trainer_id, Invoice.id.in_(invoice_ids),
               Invoice.status != InvoiceStatus.draft)
        .order_by(Batch.id.desc()).limit(1))


def _finalize(trainer: Trainer, drafts: list[Invoice], submit_key: str, actor: str) -> tuple[Batch, list[int]]:
    first = db.session.execute(
        update(Trainer).where(Trainer.id == trainer.id)
        .values(last_invoice_number=Trainer.last_invoice_number + len(drafts))
        .returning(Trainer.last_invoice_number)).scalar_one() - len(drafts) + 1
    now = utcnow()
    today = local_today(trainer.timezone)
    batch = Batch(trainer_id=trainer.id, submit_key=submit_key, invoice_count=len(drafts),
                  total_cents=sum(d.lines_sum_cents for d in drafts))
    db.session.add(batch)
    db.session.flush()
    messages, session_rows = [], []
    quota = text_quota(trainer)  # the submit holds the trainer's row lock
    for number, draft in enumerate(drafts, start=first):
        draft.number = number
        draft.batch_id = batch.id
        draft.total_cents = draft.lines_sum_cents
        draft.issue_date = today
        draft.due_date = today + timedelta(days=trainer.payment_terms_days)
        draft.public_id = new_public_id()
        draft.finalized_at = now
        draft.currency = trainer.currency
        if draft.total_cents == 0:
            # Everything complimentary: nothing to collect, so it is paid from the start.
            draft.status, draft.paid_at = InvoiceStatus.paid, now
        else:
            draft.status = InvoiceStatus.open
        session_rows += [{"id": line.session_id, "invoice_id": draft.id}
                         for line in draft.live_lines if line.session_id]
        record_event(draft.id, trainer.id, actor, "finalized", to_value=format_invoice_number(number))
        messages.extend(new_messages(draft.client, trainer.id, draft.id, quota=quota))
    if session_rows:
        db.session.execute(update(TrainingSession), session_rows)
    ledger.record_finalized(drafts, today)
    packs.on_invoices_finalized([draft.id for draft in drafts])
    db.session.flush()
    return batch, [m.id for m in messages if m.status == MessageStatus.queued]
