"""What the payment_failed message says: the attempt's outcome (a decline to retry, a hard decline, the
last retry, a bank asking to confirm), read when the message is written out."""
from sqlalchemy import select

from app.extensions import db
from app.models import AutopayCard, ChargeAttempt, Invoice, StripeCurrentInvoice
from app.timefmt import to_local


def payment_failed_context(invoice: Invoice) -> dict:
    attempt = db.session.scalar(select(ChargeAttempt).where(
        ChargeAttempt.invoice_id == invoice.id, ChargeAttempt.outcome.in_(("failed", "requires_action")))
        .order_by(ChargeAttempt.attempt_no.desc()).limit(1))
    following = db.session.scalar(select(ChargeAttempt).where(
        ChargeAttempt.invoice_id == invoice.id, ChargeAttempt.outcome == "scheduled")
        .order_by(ChargeAttempt.attempt_no).limit(1))
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice.id))
    card = db.session.scalar(select(AutopayCard).where(AutopayCard.client_id == invoice.client_id))
    if attempt is not None and attempt.outcome == "requires_action":
        outcome = "confirm"
    elif attempt is not None and attempt.hard_decline:
        outcome = "new_card"
    else:
        outcome = "retry" if following is not None else "last"
    return dict(outcome=outcome, card=f"{card.brand.title()} ending {card.last4}" if card else "your card",
                retry_on=_her_day(following.scheduled_for, invoice) if following else "",
                confirm_link=(current.hosted_invoice_url if current else "") or "")



def _her_day(moment, invoice: Invoice) -> str:
    """The retry's day as the client reads it: in her time zone, or her trainer's when she has none."""
    day = to_local(moment, invoice.client.timezone or invoice.trainer.timezone).date()
    return f"{day:%b} {day.day}"
