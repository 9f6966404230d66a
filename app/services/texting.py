"""Texting an invoice: claim the outbox row, send once, record what happened."""
from sqlalchemy import update

from app.extensions import db
from app.integrations import sms
from app.models import Invoice, MessageStatus, OutboxMessage, Trainer
from app.models.types import utcnow
from app.money import format_cents
from app.services.invoice_numbers import format_invoice_number
from app.services.links import public_url


def claim_message(message_id: int) -> OutboxMessage | None:
    """Moves a queued row to sending with one conditional UPDATE, committed before any send.
    Returns None when another job already has it or it is done."""
    claimed = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id,
                                    OutboxMessage.status == MessageStatus.queued)
        .values(status=MessageStatus.sending, claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    return db.session.get(OutboxMessage, message_id)


def invoice_text(invoice: Invoice, trainer: Trainer) -> str:
    amount = format_cents(invoice.due_cents, invoice.currency)
    due = f"{invoice.due_date:%b} {invoice.due_date.day}"
    what = f"{format_invoice_number(invoice.number)} for {amount}, due {due}" if invoice.due_cents else \
        f"{format_invoice_number(invoice.number)}: nothing to pay this time"
    return (f"{trainer.business_name or trainer.name}: Hi {invoice.client.first_name}, "
            f"{what}. {public_url(invoice)}")


def send_message(message_id: int) -> MessageStatus | None:
    message = claim_message(message_id)
    if message is None:
        return None
    invoice = db.session.get(Invoice, message.invoice_id)
    trainer = db.session.get(Trainer, message.trainer_id)
    body = invoice_text(invoice, trainer)
    message.body = body
    db.session.commit()
    result = sms.send_text(message.to_number, body)
    message.provider_sid, message.status, message.sent_at = result.sid, MessageStatus.sent, utcnow()
    db.session.commit()
    return message.status
