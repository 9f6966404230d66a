"""Texting through the outbox: claim a row, send once, record what happened.

Neither RQ nor Twilio delivers exactly once, so the row decides. A row is claimed with one
conditional UPDATE (queued -> sending) committed before any call to the provider. When the
outcome of a send is unknown it is never resent blindly: the provider's own list is asked first.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, select, update

from app.extensions import db
from app.integrations import sms
from app.integrations.venmo import pay_link
from app.models import Client, Invoice, InvoiceStatus, MessageStatus, OutboxMessage, Trainer
from app.models.message import EMAIL, SMS
from app.models.types import utcnow
from app.money import format_cents
from app.services import autopay_cycle, memberships, packs
from app.services.billing_page import billing_page_text
from app.services.invoice_numbers import format_invoice_number
from app.services.links import new_public_id, public_url
from app.services.outbox import enqueue_messages, new_email, why_not_emailable, why_not_sending
from app.services.text_quota import resend_allowed_at, text_quota
from app.services.wording import sms_wordings
from app.sms_text import first_that_fits, fitting, segment_count
from app.timefmt import local_today

SENT_LIKE = (MessageStatus.sent, MessageStatus.delivered, MessageStatus.undelivered)
STATUS_RANK = {MessageStatus.queued: 0, MessageStatus.sending: 1, MessageStatus.unknown: 1,
               MessageStatus.sent: 2, MessageStatus.delivered: 3, MessageStatus.undelivered: 3,
               MessageStatus.failed: 3}
UNKNOWN_EMAIL_REASON = "Could not tell whether this email went out. Ask the client, then resend if needed."
UNKNOWN_REASON = ("Could not tell whether this text went out. Ask the client, then resend if needed.")


class RetryLater(Exception):
    """Raised from the job so that RQ's Retry sends again after a pause."""


def claim_message(message_id: int, body: str | None = None) -> bool:
    """queued -> sending with one conditional UPDATE, committed before any call to the provider.
    The body is stored in the same write, so a lost answer can be matched later. False when
    another job has the row or it is done."""
    values = {"status": MessageStatus.sending, "claimed_at": utcnow(), "attempts": OutboxMessage.attempts + 1}
    if body is not None:
        values["body"] = body
    claimed = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.queued)
        .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    return claimed.rowcount == 1


def _is_first_text_to(number: str, message_id: int) -> bool:
    return not db.session.scalar(select(exists().where(
        OutboxMessage.to_number == number, OutboxMessage.id != message_id,
        OutboxMessage.status.in_(SENT_LIKE))))


MAX_SEGMENTS = 2
MAX_SEGMENTS_WITH_VENMO = 3  # the Venmo link costs about one segment; she chooses in Settings


def invoice_context(invoice: Invoice, trainer: Trainer) -> dict:
    """What the invoice's wordings (text and email) are filled in with."""
    return dict(business=trainer.display_name, first=invoice.client.first_name,
                number=format_invoice_number(invoice.number), link=public_url(invoice),
                due=f"{invoice.due_date:%b} {invoice.due_date.day}",
                amount=format_cents(invoice.due_cents, invoice.currency),
                paid=format_cents(invoice.paid_cents if invoice.status != InvoiceStatus.paid else invoice.total_cents,
                                  invoice.currency),
                paid_copy=invoice.status == InvoiceStatus.paid and bool(invoice.total_cents),
                nothing_due=not invoice.due_cents,
                pack=packs.text_note(invoice) + memberships.text_note(invoice),  # pack balance, membership period
                after_credit=_after_credit(invoice),
                autopay=autopay_cycle.charge_note(invoice))  # "Visa •4242 on Dec 1", for auto-pay clients


def _after_credit(invoice: Invoice) -> str:
    credit = invoice.credit_applied_cents if invoice.id is not None else 0
    return f" (after {format_cents(credit, invoice.currency)} credit)" if credit else ""


def invoice_text(invoice: Invoice, trainer: Trainer, first_text: bool, with_venmo: bool | None = None) -> str:
    """Business, first name, number, amount, due date and link, in at most two segments; with the
    trainer's Venmo pay link (amount and note filled in) in at most three, when she has it on.
    The wordings are in app/templates/messages/invoice.sms.txt."""
    context = invoice_context(invoice, trainer)
    context["opt_out"] = " Reply STOP to opt out." if first_text else ""
    venmo = trainer.venmo_in_texts if with_venmo is None else with_venmo
    if venmo and trainer.venmo_handle and not (context["paid_copy"] or context["nothing_due"]):
        link = pay_link(trainer.venmo_handle, invoice.due_cents, context["number"], in_app=False)
        text = fitting(sms_wordings("invoice", pay=f" Pay with Venmo: {link}", **context), MAX_SEGMENTS_WITH_VENMO)
        if text is not None:
            return text
    return first_that_fits(sms_wordings("invoice", pay="", **context), MAX_SEGMENTS)


def typical_invoice_segments(trainer: Trainer) -> tuple[int, int]:
    """Segments of a typical invoice text of hers (a week's sessions, not the first text to the
    number), with and without the Venmo link: counted as sending counts them."""
    sample = Invoice(number=trainer.last_invoice_number + 1, public_id=new_public_id(), currency=trainer.currency,
                     total_cents=4 * (trainer.default_rate_cents or 8500), paid_cents=0,
                     due_date=local_today(trainer.timezone) + timedelta(days=trainer.payment_terms_days))
    sample.client = Client(name="Alexandra Sample")
    return tuple(segment_count(invoice_text(sample, trainer, False, with_venmo=venmo)) for venmo in (True, False))


def receipt_text(invoice: Invoice, trainer: Trainer) -> str:
    context = invoice_context(invoice, trainer)
    context["paid"] = format_cents(invoice.paid_cents, invoice.currency)
    return first_that_fits(sms_wordings("receipt", **context))


def _body_for(message: OutboxMessage) -> str:
    if message.kind == "reminder":
        from app.services.reminders import reminder_context
        opt_out = " Reply STOP to opt out." if _is_first_text_to(message.to_number, message.id) else ""
        return first_that_fits(sms_wordings("reminder", opt_out=opt_out, **reminder_context(message)))
    if message.kind in ("autopay_setup", "card_update"):  # the client's auto-pay page link
        from app.services.autopay_links import link_text
        return link_text(message, _is_first_text_to(message.to_number, message.id))
    trainer = db.session.get(Trainer, message.trainer_id)
    if message.kind == "billing_page":  # written as it goes: a link revoked meanwhile is not the one sent
        return billing_page_text(db.session.get(Client, message.client_id), trainer,
                                 _is_first_text_to(message.to_number, message.id))
    invoice = db.session.get(Invoice, message.invoice_id)
    if message.kind == "receipt":
        return receipt_text(invoice, trainer)
    if message.kind == "payment_failed":
        from app.services.autopay_messages import payment_failed_context
        return first_that_fits(sms_wordings("payment_failed", **invoice_context(invoice, trainer),
                                            **payment_failed_context(invoice)))
    return invoice_text(invoice, trainer, _is_first_text_to(message.to_number, message.id))


def _status_callback_url() -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/webhooks/twilio/status"


def send_message(message_id: int) -> MessageStatus | None:
    """Sends one outbox row at most once. Returns its new status, or None if there was nothing to do."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != MessageStatus.queued:
        return None
    if message.send_after is not None and message.send_after > utcnow():
        return None  # quiet hours: the sweeper wakes it at 08:00 her time
    if message.channel == EMAIL:
        from app.services.emailing import send_email_message
        return send_email_message(message_id)
    reason = why_not_sending(message)
    if reason:
        return refuse_message(message_id, reason)
    to, body = message.to_number, message.body or _body_for(message)
    # The claim is committed (with the body) before the provider is called, and the commit ends the
    # transaction: no connection or lock is held while we wait on the network.
    if not claim_message(message_id, body):
        return None
    try:
        result = sms.send_text(to, body, _status_callback_url())
    except sms.SmsTransientError as e:
        return _retry_later(message_id, e)
    except sms.SmsUnknownOutcome:
        return reconcile_message(message_id)
    except sms.SmsError as e:
        return _fail(message_id, e)
    return record_sent(message_id, result.sid, result.status)


def refuse_message(message_id: int, reason: str) -> MessageStatus | None:
    """queued -> not_sent with the reason; None if a job got there first."""
    refused = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.queued)
        .values(status=MessageStatus.not_sent, error_message=reason[:300], updated_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    return MessageStatus.not_sent if refused.rowcount == 1 else None


def record_sent(message_id: int, sid: str, provider_status: str = "sent") -> MessageStatus:
    delivered = provider_status == "delivered"
    status = MessageStatus.delivered if delivered else MessageStatus.sent
    now = utcnow()
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
        provider_sid=sid, sent_at=now, status=status, delivered_at=now if delivered else None, error_code=None,
        error_message="", updated_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return status


def _retry_later(message_id: int, error: sms.SmsError) -> MessageStatus:
    """Nothing reached the provider: hand the row back so a later attempt can claim it."""
    message = db.session.get(OutboxMessage, message_id)
    if message.attempts >= current_app.config["SEND_MAX_ATTEMPTS"]:
        return _fail(message_id, type(error)(f"Gave up after {message.attempts} tries: {error}", error.code))
    message.status, message.error_message = MessageStatus.queued, str(error)
    db.session.commit()
    raise RetryLater(str(error))


def _fail(message_id: int, error: sms.SmsError) -> MessageStatus:
    message = db.session.get(OutboxMessage, message_id)
    message.status, message.error_code, message.error_message = MessageStatus.failed, error.code, str(error)[:300]
    _note_number_problem(message, error)
    instead = _email_instead(message)
    db.session.commit()
    if instead is not None:
        enqueue_messages([instead.id])
    return MessageStatus.failed


FALLS_BACK_TO_EMAIL = {"invoice", "reminder", "receipt", "payment_failed", "card_update", "autopay_setup"}


def _email_instead(text: OutboxMessage) -> OutboxMessage | None:
    """An email in place of a text that could not go (refused, undelivered after the carrier's answer),
    for a client who asked for texts only and has an email address. Once per text."""
    if text.client_id is None or text.channel != SMS or text.kind not in FALLS_BACK_TO_EMAIL:
        return None
    client = db.session.get(Client, text.client_id)
    if client.channels != "text" or why_not_emailable(client) is not None:
        return None
    key = text.dedupe_key or f"instead-of-text:{text.id}"
    if db.session.scalar(select(exists().where(OutboxMessage.channel == EMAIL, OutboxMessage.dedupe_key == key))):
        return None
    email = new_email(client, text.trainer_id, text.invoice_id, text.kind, key)
    db.session.flush()
    return email


def _note_number_problem(message: OutboxMessage, error: Exception) -> None:
    """What a failed text says about the client's number: she opted out, or the number is bad."""
    if not message.client_id or message.channel != SMS:
        return
    if getattr(error, "opted_out", False):
        _set_opt_out(message.address, True)
    elif getattr(error, "number_problem", None):
        db.session.get(Client, message.client_id).mobile_problem = error.number_problem


def reconcile_message(message_id: int) -> MessageStatus | None:
    """For a row whose send has an unknown outcome: record it if the provider has it, send it if
    the provider clearly does not, and mark it unknown for the trainer if that cannot be told."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != MessageStatus.sending:
        return None
    if message.channel == EMAIL:  # a mail server keeps no list to ask: the trainer decides
        message.status, message.error_message = MessageStatus.unknown, UNKNOWN_EMAIL_REASON
        db.session.commit()
        return message.status
    since = (message.claimed_at or message.created_at) - timedelta(seconds=30)
    known = set(db.session.scalars(select(OutboxMessage.provider_sid).where(  # within the window Twilio is asked about
        OutboxMessage.to_number == message.to_number, OutboxMessage.provider_sid.is_not(None),
        OutboxMessage.created_at >= since - sms.FIND_SENT_WINDOW)))
    try:
        found = sms.find_sent(message.to_number, message.body, since, known) if message.body else None
    except sms.SmsError:
        message.status, message.error_message = MessageStatus.unknown, UNKNOWN_REASON
        db.session.commit()
        return message.status
    if found is not None:
        return record_sent(message_id, found.sid, found.status)
    if sms.backend_name() != "twilio" and message.body:
        # The console keeps no list to ask; only our row knows, and it says "mid-send".
        message.status, message.error_message = MessageStatus.unknown, UNKNOWN_REASON
        db.session.commit()
        return message.status
    message.status = MessageStatus.queued  # it clearly did not go out: send it now
    db.session.commit()
    return send_message(message_id)


def _set_opt_out(number: str, opted_out: bool) -> int:
    """STOP from a number applies to every client with that number: the sender is shared."""
    result = db.session.execute(update(Client).where(Client.mobile == number)
                                .values(sms_opted_out_at=utcnow() if opted_out else None)
                                .execution_options(synchronize_session=False))
    return result.rowcount


STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "YES", "UNSTOP", "OPTIN"}


def help_text(from_number: str) -> str:
    """The answer to HELP: whose texts these are (every business that texts this number) and how to stop."""
    names = sorted(set(db.session.scalars(select(Trainer.business_name).join(Client, Client.trainer_id == Trainer.id)
                                          .where(Client.mobile == from_number, Trainer.business_name != "")))
                   | set(db.session.scalars(select(Trainer.name).join(Client, Client.trainer_id == Trainer.id)
                                            .where(Client.mobile == from_number,
                                                   (Trainer.business_name == "") | Trainer.business_name.is_(None)))))
    return first_that_fits(sms_wordings("help", business=" / ".join(n for n in names if n) or "Spotter"))


def apply_inbound(from_number: str, body: str) -> str | None:
    """STOP/START/HELP from a client's phone. Returns the keyword handled, if any."""
    word = (body or "").strip().upper().rstrip(".!")
    if word in STOP_WORDS:
        _set_opt_out(from_number, True)
    elif word in START_WORDS:
        _set_opt_out(from_number, False)
    elif word not in {"HELP", "INFO"}:
        return None
    db.session.commit()
    return word


PROVIDER_STATUSES = {"sent": MessageStatus.sent, "delivered": MessageStatus.delivered,
                     "undelivered": MessageStatus.undelivered, "failed": MessageStatus.failed,
                     "read": MessageStatus.delivered}


def apply_status_callback(sid: str, provider_status: str, error_code: str | None) -> bool:
    """Moves a row forward only (callbacks arrive out of order); unknown SIDs and repeats do nothing."""
    new = PROVIDER_STATUSES.get((provider_status or "").lower())
    if new is None or not sid:
        return False
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == sid))
    if message is None or STATUS_RANK[new] <= STATUS_RANK.get(message.status, 0):
        return False
    message.status = new
    if new == MessageStatus.delivered:
        message.delivered_at = utcnow()
    if new in (MessageStatus.undelivered, MessageStatus.failed):
        failure = sms.delivery_failure(error_code, "The phone network could not deliver it.")
        message.error_code, message.error_message = error_code, str(failure)[:300]
        _note_number_problem(message, failure)
        instead = _email_instead(message)
    else:
        instead = None
    db.session.commit()
    if instead is not None:
        enqueue_messages([instead.id])
    return True
