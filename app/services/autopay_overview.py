"""The trainer's view of auto-pay, read from the database only (never Stripe on page load): failed
payments with their reason and next try, and for each auto-pay client her current invoice, next charge,
last payment and failures."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import (AutopayCard, ChargeAttempt, Client, Invoice, InvoiceStatus, Payment, StripeCurrentInvoice,
                        Trainer)
from app.models.payment import COUNTED


@dataclass
class ChargeState:
    current: StripeCurrentInvoice
    invoice: Invoice
    last_tried: ChargeAttempt | None
    next_attempt: ChargeAttempt | None
    failures: int

    @property
    def failing(self) -> bool:
        return (self.current.state == "open" and self.invoice.status == InvoiceStatus.open
                and self.last_tried is not None and self.last_tried.outcome in ("failed", "requires_action"))

    @property
    def past_due(self) -> bool:
        """The last retry failed (or a hard decline stopped them): the invoice stays open, past due."""
        return self.failing and self.next_attempt is None and self.last_tried.outcome == "failed"

    @property
    def next_charge_at(self) -> datetime | None:
        if self.current.state == "draft":
            return self.current.charge_on
        if self.next_attempt is not None and not self.current.retries_paused and self.current.state == "open":
            return self.next_attempt.scheduled_for
        return None


def charge_state(current: StripeCurrentInvoice) -> ChargeState:
    attempts = list(db.session.scalars(select(ChargeAttempt).where(ChargeAttempt.invoice_id == current.invoice_id)
                                       .order_by(ChargeAttempt.attempt_no)))
    tried = [a for a in attempts if a.attempted_at is not None]
    scheduled = [a for a in attempts if a.outcome == "scheduled"]
    return ChargeState(current=current, invoice=db.session.get(Invoice, current.invoice_id),
                       last_tried=tried[-1] if tried else None, next_attempt=scheduled[0] if scheduled else None,
                       failures=sum(1 for a in attempts if a.outcome == "failed"))


def failed_payments(trainer_id: int) -> list[ChargeState]:
    """Her auto-pay invoices whose last charge failed (or waits for the client's bank), oldest first."""
    rows = db.session.scalars(select(StripeCurrentInvoice).join(Invoice, Invoice.id == StripeCurrentInvoice.invoice_id)
                              .where(StripeCurrentInvoice.trainer_id == trainer_id,
                                     StripeCurrentInvoice.state == "open", Invoice.status == InvoiceStatus.open)
                              .order_by(StripeCurrentInvoice.id))
    return [state for state in map(charge_state, rows) if state.failing]


@dataclass
class AutopayClient:
    client: Client
    card: AutopayCard
    charge: ChargeState | None  # her current invoice (a draft being kept in sync, or one being charged)
    last_payment: Payment | None


def _current_invoice(client_id: int) -> StripeCurrentInvoice | None:
    return db.session.scalar(select(StripeCurrentInvoice).join(Invoice, Invoice.id == StripeCurrentInvoice.invoice_id)
                             .where(Invoice.client_id == client_id, StripeCurrentInvoice.state.in_(("draft", "open")),
                                    Invoice.status.in_((InvoiceStatus.draft, InvoiceStatus.open)))
                             .order_by(StripeCurrentInvoice.id.desc()).limit(1))


def client_autopay(trainer_id: int, client_id: int) -> AutopayClient | None:
    """One client's auto-pay, for her page; None if she has no card saved."""
    card = db.session.scalar(select(AutopayCard).where(AutopayCard.trainer_id == trainer_id,
                                                       AutopayCard.client_id == client_id))
    if card is None:
        return None
    current = _current_invoice(client_id)
    last_payment = db.session.scalar(select(Payment).where(
        Payment.client_id == client_id, Payment.trainer_id == trainer_id, Payment.status.in_(COUNTED),
        Payment.deleted_at.is_(None)).order_by(Payment.received_on.desc(), Payment.id.desc()).limit(1))
    return AutopayClient(client=db.session.get(Client, client_id), card=card,
                         charge=charge_state(current) if current is not None else None, last_payment=last_payment)


def autopay_clients(trainer_id: int) -> list[AutopayClient]:
    """Every client of hers with auto-pay on, by name."""
    ids = db.session.scalars(select(AutopayCard.client_id).join(Client, Client.id == AutopayCard.client_id)
                             .where(AutopayCard.trainer_id == trainer_id, AutopayCard.enabled.is_(True))
                             .order_by(Client.name))
    return [client_autopay(trainer_id, client_id) for client_id in list(ids)]


def autopay_client_count(trainer_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AutopayCard)
                             .where(AutopayCard.trainer_id == trainer_id, AutopayCard.enabled.is_(True),
                                    AutopayCard.stripe_payment_method_id.is_not(None)))


def past_due_client_ids(trainer_id: int) -> set[int]:
    """Her clients with an auto-pay invoice past due (the last retry failed, or the card can't be used)."""
    return {state.invoice.client_id for state in failed_payments(trainer_id) if state.past_due}


def clients_with_credits_held(trainer: Trainer) -> set[int]:
    """The clients whose new membership credits wait for payment: past due, when she chose so in Settings."""
    return past_due_client_ids(trainer.id) if trainer.autopay_suspend_credits else set()
