"""The outbox: one row per message (a text or an email) that must go out, and the RQ jobs that wake a
worker for it.

Rows are written in the same transaction as the change that needs the text; jobs are enqueued
only after that commit. If Redis is down at that moment the rows wait, and the sweeper
enqueues them again.
"""
import logging

from flask import current_app
from rq import Queue, Retry

from app.extensions import db
from app.jobs import get_queue
from app.models import Client, MessageStatus, OutboxMessage, Trainer
from app.models.message import EMAIL
from app.phones import PhoneError, check_texting_country
from app.services.text_quota import (RESENT_TOO_SOON, TextQuota, billing_link_allowed_at, quota_for_new_texts,
                                     resend_allowed_at, text_quota)
from app.sms_text import has_contact_details

log = logging.getLogger(__name__)
SEND_JOB = "app.jobs.texting.send_text"
RETRY_INTERVALS = [10, 30, 60, 180, 600]
VERIFY_MOBILE = "Verify your mobile number in Settings to text clients."
NAME_WITH_CONTACT_DETAILS = ("Your business name holds a link, an email address or a phone number; "
                             "take it out in Settings to text clients.")


def why_trainer_cannot_text(trainer: Trainer) -> str | None:
    """A plain reason when this trainer may not text her clients at all, or None."""
    if not trainer.has_verified_mobile:
        return VERIFY_MOBILE
    if has_contact_details(trainer.display_name):  # saved before names were checked
        return NAME_WITH_CONTACT_DETAILS
    return None


def why_not_textable(client: Client) -> str | None:
    """A plain reason when this client cannot get a text, or None."""
    reason = why_trainer_cannot_text(db.session.get(Trainer, client.trainer_id))
    if reason:
        return reason
    if not client.mobile:
        return "No mobile number on file."
    if client.sms_opted_out_at is not None:
        return "The client replied STOP to an earlier text."
    if not client.sms_consent:
        return "The client has not agreed to receive texts."
    if client.mobile_problem:
        return client.mobile_problem
    return why_not_to_number(client.mobile)


def why_not_to_number(number: str | None) -> str | None:
    """A plain reason when texts may not go to this number (its country is not allowed), or None."""
    try:
        check_texting_country(number, current_app.config["SMS_ALLOWED_COUNTRIES"])
    except PhoneError as e:
        return str(e)
    return None


def why_not_sending(message: OutboxMessage) -> str | None:
    """Asked again when a job takes a queued row: a number kept from before the rules, a client who
    said STOP since, or a row over a limit is refused here and never reaches the provider."""
    if message.client_id is not None:
        reason = why_not_textable(db.session.get(Client, message.client_id))
        if reason:
            return reason
    reason = why_nothing_to_send(message) or why_not_to_number(message.to_number) or text_quota(
        db.session.get(Trainer, message.trainer_id), before_id=message.id).refusal(message.to_number)
    if reason is None and message.kind == "invoice" and message.invoice_id is not None:
        allowed_at = resend_allowed_at(message.invoice_id, before_id=message.id)
        if allowed_at is not None and allowed_at > message.created_at:
            reason = RESENT_TOO_SOON
    if reason is None and message.kind == "billing_page" and message.client_id is not None:
        allowed_at = billing_link_allowed_at(message.client_id, before_id=message.id)
        if allowed_at is not None and allowed_at > message.created_at:
            reason = RESENT_TOO_SOON
    return reason


def why_nothing_to_send(message: OutboxMessage) -> str | None:
    """A reminder whose invoices were all paid, voided or reported paid since it was written."""
    if message.kind != "reminder":
        return None
    from app.services.reminders import NOTHING_DUE, reminder_context
    return NOTHING_DUE if reminder_context(message) is None else None


def new_message(client: Client, trainer_id: int, invoice_id: int | None, kind: str = "invoice",
                quota: TextQuota | None = None) -> OutboxMessage:
    """An outbox row for the current transaction: queued, or not_sent with the reason. `quota` is the
    one the caller took for its transaction (several rows); without it the trainer's row is locked here."""
    if quota is None:
        quota = quota_for_new_texts(trainer_id)
    reason = why_not_textable(client) or quota.refusal(client.mobile)
    if reason is None:
        quota.take(client.mobile)
    message = OutboxMessage(trainer_id=trainer_id, invoice_id=invoice_id, client_id=client.id, kind=kind,
                            to_number=client.mobile,
                            status=MessageStatus.not_sent if reason else MessageStatus.queued,
                            error_message=reason or "")
    db.session.add(message)
    return message


def why_not_emailable(client: Client) -> str | None:
    """A plain reason when this client cannot get an email, or None."""
    if not client.email:
        return "No email address on file."
    if client.email_opted_out_at is not None:
        return "The client unsubscribed from emails."
    return None


def new_email(client: Client, trainer_id: int, invoice_id: int | None, kind: str = "invoice",
              dedupe_key: str | None = None) -> OutboxMessage:
    """An email row for the current transaction: queued, or not_sent with the reason."""
    reason = why_not_emailable(client)
    message = OutboxMessage(trainer_id=trainer_id, invoice_id=invoice_id, client_id=client.id, kind=kind,
                            channel=EMAIL, address=client.email, dedupe_key=dedupe_key,
                            status=MessageStatus.not_sent if reason else MessageStatus.queued,
                            error_message=reason or "")
    db.session.add(message)
    return message


def new_messages(client: Client, trainer_id: int, invoice_id: int | None, kind: str = "invoice",
                 quota: TextQuota | None = None, dedupe_key: str | None = None) -> list[OutboxMessage]:
    """The rows one event sends the client, by her channels: a text, an email, or both. When only a
    text is wanted and it cannot go (no consent, STOP, a bad number, a limit), an email goes instead
    if she has an address. The first row is the one she asked for first."""
    rows = []
    if client.channels in ("text", "both"):
        text = new_message(client, trainer_id, invoice_id, kind, quota)
        text.dedupe_key = dedupe_key
        rows.append(text)
        if client.channels == "text" and text.status == MessageStatus.not_sent and why_not_emailable(client) is None:
            rows.append(new_email(client, trainer_id, invoice_id, kind, dedupe_key))
    if client.channels in ("email", "both"):
        rows.append(new_email(client, trainer_id, invoice_id, kind, dedupe_key))
    wait = quiet_hours_wait(client, kind)
    for row in rows:
        row.send_after = wait
    return rows


def quiet_hours_wait(client: Client, kind: str):
    """When a message of this kind written now may reach the client: None (at once), or her next 08:00."""
    from app.models.types import utcnow
    from app.services.quiet_hours import send_after

    if kind.upper() not in current_app.config["QUIET_HOURS_KINDS"]:
        return None
    return send_after(utcnow(), client.timezone or db.session.get(Trainer, client.trainer_id).timezone)


def pending_ids(messages: list[OutboxMessage]) -> list[int]:
    """The rows to wake a worker for now (quiet hours: the sweeper wakes the others at 08:00)."""
    return [m.id for m in messages if m.status == MessageStatus.queued and m.send_after is None]


def new_trainer_message(trainer: Trainer, kind: str, body: str) -> OutboxMessage:
    """An outbox row to the trainer's own mobile (no client), with its text written now."""
    message = OutboxMessage(trainer_id=trainer.id, kind=kind, to_number=trainer.mobile, body=body,
                            status=MessageStatus.queued)
    db.session.add(message)
    return message


def enqueue_messages(message_ids: list[int]) -> bool:
    """One RQ job per queued row, pipelined into one round trip. False if Redis refused."""
    if not message_ids:
        return True
    queue = get_queue()
    try:
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many([
                Queue.prepare_data(SEND_JOB, args=(mid,), job_id=f"outbox-{mid}",
                                   retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                                   timeout=current_app.config["SEND_JOB_TIMEOUT"],
                                   result_ttl=3600, failure_ttl=7 * 86400,
                                   description=f"outbox message {mid}")
                for mid in message_ids], pipeline=pipe)
            pipe.execute()
        return True
    except Exception:  # the rows are committed; the sweeper will enqueue them
        log.exception("enqueue failed for %d outbox rows; the sweeper will retry", len(message_ids))
        return False
