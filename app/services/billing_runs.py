"""Billing on a schedule: the clock's tick writes one run per trainer and period, and a job bills it.

Never two runs for one period: the run row is unique per (trainer, period start), so two clocks,
a restart or a retried tick insert it once. Never a skipped period: each tick looks for the latest
billing time that has passed, so after an outage the latest missed period is billed (its drafts
take every session not yet invoiced, those of earlier periods included). A run job that dies
midway is enqueued again by a later tick; what it did before is not done twice (see run_billing).
"""
import logging
from datetime import timedelta

from flask import current_app
from rq import Queue
from sqlalchemy import or_, select, update

from app.billing_schedule import latest_due, schedule_anchor
from app.extensions import db
from app.jobs import get_queue
from app.models import BillingRun, BillingSchedule, Trainer
from app.models.types import utcnow
from app.money import format_cents
from app.services import memberships
from app.services.billing_engine import BillingPeriod, build_drafts
from app.services.drafts import is_sendable, over_the_ceiling
from app.services.outbox import enqueue_messages, new_trainer_message, why_not_to_number
from app.services.submit import submit_batch

log = logging.getLogger(__name__)
RUN_JOB = "app.jobs.billing.run_billing"
ACTOR = "Scheduled billing"
QUEUED_TOO_LONG = timedelta(minutes=10)  # its job was lost (Redis, or the clock died after the commit)
RUNNING_TOO_LONG = timedelta(minutes=15)  # its worker died midway


def tick(now) -> list[int]:
    """Writes the run of every trainer whose billing time has passed, then enqueues the new runs
    and any left waiting too long. Returns the ids enqueued."""
    rows = db.session.execute(select(BillingSchedule, Trainer.timezone)
                              .join(Trainer, Trainer.id == BillingSchedule.trainer_id)).all()
    wanted = []
    for schedule, tz_name in rows:
        try:
            due = latest_due(schedule.cadence, schedule_anchor(schedule.cadence, schedule.anchor_date,
                                                                schedule.month_day),
                             schedule.at_minute, tz_name, now, since=schedule.active_since)
        except (ValueError, KeyError) as e:  # one unreadable schedule must not hold up everyone's billing
            log.error("billing schedule of trainer %s skipped: %s", schedule.trainer_id, e)
            continue
        if due is not None:
            wanted.append({"trainer_id": schedule.trainer_id, "period_start": due.period.start,
                           "period_end": due.period.end, "due_at": due.due_at, "review": schedule.review,
                           "status": "queued", "attempts": 0, "error": "", "invoice_count": 0,
                           "total_cents": 0, "created_at": now})
    new_ids = _insert_new_runs(wanted)
    stuck = list(db.session.scalars(select(BillingRun.id).where(or_(
        (BillingRun.status == "queued") & (BillingRun.created_at < now - QUEUED_TOO_LONG),
        (BillingRun.status == "running") & (BillingRun.started_at < now - RUNNING_TOO_LONG)))))
    db.session.commit()
    ids = new_ids + [i for i in stuck if i not in new_ids]
    enqueue_runs(ids)
    _renew_unscheduled(now)
    return ids


def _renew_unscheduled(now) -> None:
    """Memberships bill on their anchor day whether or not the trainer has a schedule: for those without
    one, the tick puts the renewals due on the clients' drafts (each cycle once, whoever else bills it)."""
    try:
        memberships.renew_for_unscheduled(now.date())
    except Exception:  # a renewal must not hold up anyone's scheduled billing: the next tick tries again
        db.session.rollback()
        log.exception("membership renewals failed; the next tick will retry")


def _insert_new_runs(rows: list[dict]) -> list[int]:
    """One INSERT for all; a row whose (trainer, period) exists already is skipped by the database."""
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(BillingRun).values(rows).on_conflict_do_nothing(
        index_elements=["trainer_id", "period_start"]).returning(BillingRun.id)
    return list(db.session.scalars(stmt))


def enqueue_runs(run_ids: list[int]) -> bool:
    """One job per run, pipelined into one round trip; the next tick enqueues again what Redis refused."""
    if not run_ids:
        return True
    queue = get_queue()
    try:
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many([
                Queue.prepare_data(RUN_JOB, args=(run_id,), timeout=current_app.config.get("BILLING_RUN_TIMEOUT", 600),
                                   result_ttl=86400, failure_ttl=7 * 86400, description=f"billing run {run_id}")
                for run_id in run_ids], pipeline=pipe)
            pipe.execute()
        return True
    except Exception:
        log.exception("enqueue failed for %d billing runs; the next tick will retry", len(run_ids))
        return False


def _claim(run_id: int) -> BillingRun | None:
    """Takes a queued run, or one left running too long (its worker died). A second job for a run
    that is being billed right now, or is finished, gets nothing."""
    now = utcnow()
    takeable = (BillingRun.status == "queued") | (
        (BillingRun.status == "running") & (BillingRun.started_at < now - RUNNING_TOO_LONG))
    taken = db.session.execute(
        update(BillingRun).where(BillingRun.id == run_id, takeable)
        .values(status="running", started_at=now, attempts=BillingRun.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.get(BillingRun, run_id) if taken.rowcount == 1 else None


def run_billing(run_id: int) -> BillingRun | None:
    """Bills one period: the engine builds the drafts, which then wait for the trainer's review (she
    is texted) or are sent. A second run of the same row does nothing; a run that died midway does
    the rest: the review text is written in the transaction that finishes the run, and the batch
    is sent under a key named after the run, so Send makes it once."""
    run = _claim(run_id)
    if run is None:
        return None
    trainer_id, review, period = run.trainer_id, run.review, BillingPeriod(run.period_start, run.period_end)
    try:
        drafts = build_drafts(trainer_id, period)
        ready = [d for d in drafts if is_sendable(d) and not over_the_ceiling(d.lines_sum_cents, d.currency)]
        count, total, batch_id, message_ids = len(ready), sum(d.lines_sum_cents for d in ready), None, []
        if not review and ready:
            # Send finalizes and commits on its own; a second submit under this key returns the first batch.
            result = submit_batch(trainer_id, f"billing-run-{run_id}", {d.id: d.version for d in ready}, ACTOR)
            count, total, batch_id = result.batch.invoice_count, result.batch.total_cents, result.batch.id
        run = db.session.get(BillingRun, run_id)
        run.invoice_count, run.total_cents, run.batch_id = count, total, batch_id
        if review and ready:
            message = _review_text(run)
            run.message_id = message.id if message else None
            message_ids = [message.id] if message else []
        run.status, run.error, run.finished_at = "done", "", utcnow()
        db.session.commit()
        enqueue_messages(message_ids)
        return run
    except Exception as e:
        db.session.rollback()
        db.session.execute(update(BillingRun).where(BillingRun.id == run_id).values(
            status="failed", error=(getattr(e, "message", None) or str(e) or type(e).__name__)[:300],
            finished_at=utcnow()))
        db.session.commit()
        raise


def _review_text(run: BillingRun):
    """The text that tells her this period's invoices wait for her review, or None (no mobile)."""
    trainer = db.session.get(Trainer, run.trainer_id)
    if not trainer.mobile or why_not_to_number(trainer.mobile):
        return None
    link = f"{current_app.config['PUBLIC_BASE_URL']}/invoices/create"
    body = review_text_body(run.invoice_count, run.total_cents, trainer.currency, link)
    message = new_trainer_message(trainer, "billing_review", body)
    db.session.flush()
    return message


def review_text_body(count: int, total_cents: int, currency: str, link: str) -> str:
    """The wording is a template of its own; rendered without a request (the worker has none)."""
    return current_app.jinja_env.get_template("messages/billing_review.sms.txt").render(
        count=count, total=format_cents(total_cents, currency), link=link).strip()


def recent_runs(trainer_id: int | None = None, limit: int = 20) -> list[BillingRun]:
    """The latest runs, of one trainer or (ops) of all."""
    stmt = select(BillingRun).order_by(BillingRun.created_at.desc(), BillingRun.id.desc()).limit(limit)
    if trainer_id is not None:
        stmt = stmt.where(BillingRun.trainer_id == trainer_id)
    return list(db.session.scalars(stmt))
