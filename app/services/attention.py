"""Texts the trainer should know about: failed, undelivered or unknown, and clients who said STOP."""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Client, Invoice, InvoiceStatus, MessageStatus, OutboxMessage
from app.models.types import utcnow

NEEDS_ATTENTION = (MessageStatus.failed, MessageStatus.undelivered, MessageStatus.unknown)
WINDOW = timedelta(days=30)


@dataclass
class TextProblem:
    invoice: Invoice
    message: OutboxMessage


def text_problems(trainer_id: int) -> list[TextProblem]:
    """Invoices whose latest text did not arrive (or may not have), newest first."""
    latest = select(func.max(OutboxMessage.id)).where(
        OutboxMessage.trainer_id == trainer_id, OutboxMessage.kind == "invoice",
        OutboxMessage.created_at >= utcnow() - WINDOW).group_by(OutboxMessage.invoice_id, OutboxMessage.channel)
    rows = db.session.execute(
        select(OutboxMessage, Invoice).join(Invoice, Invoice.id == OutboxMessage.invoice_id)
        .where(OutboxMessage.id.in_(latest), OutboxMessage.status.in_(NEEDS_ATTENTION),
               Invoice.status.in_((InvoiceStatus.open, InvoiceStatus.paid)))
        .order_by(OutboxMessage.id.desc())).all()
    return [TextProblem(invoice=invoice, message=message) for message, invoice in rows]


def opted_out_clients(trainer_id: int) -> list[Client]:
    return list(db.session.scalars(select(Client).where(
        Client.trainer_id == trainer_id, Client.sms_opted_out_at.is_not(None),
        Client.sms_opted_out_at >= utcnow() - WINDOW).order_by(Client.name)))
