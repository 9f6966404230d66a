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


def charge_states(currents: list[tuple[StripeCurrentInvoice, Invoice]]) -> list[ChargeState]:
    """Each (current invoice, its invoice)'s charge state, from one read of their attempts."""
    by_invoice: dict[int, list[ChargeAttempt]] = {current.invoice_id: [] for current, _ in currents}
    if by_invoice:
        for attempt in db.session.scalars(select(ChargeAttempt).where(ChargeAttempt.invoice_id.in_(by_invoice))
                                          .order_by(ChargeAttempt.invoice_id, ChargeAttempt.attempt_no)):
            by_invoice[attempt.invoice_id].append(attempt)
    return [_charge_state(current, invoice, by_invoice[current.invoice_id]) for current, invoice in currents]


def _charge_state(current: StripeCurrentInvoice, invoice: Invoice, attempts: list[ChargeAttempt]) -> ChargeState:
    tried = [a for a in attempts if a.attempted_at is not None]
    scheduled = [a for a in attempts if a.outcome == "scheduled"]
    return ChargeState(current=current, invoice=invoice,
                       last_tried=tried[-1] if tried else None, next_attempt=scheduled[0] if scheduled else None,
                       failures=sum(1 for a in attempts if a.outcome == "failed"))


def _open_charge_states(*where) -> list[ChargeState]:
    """The charge states of auto-pay invoices open here and at Stripe (narrowed by `where`), oldest first:
    two reads however many there are."""
    rows = db.session.execute(select(StripeCurrentInvoice, Invoice)
                              .join(Invoice, Invoice.id == StripeCurrentInvoice.invoice_id)
                              .where(StripeCurrentInvoice.state == "open", Invoice.status == InvoiceStatus.open, *where)
                              .order_by(StripeCurrentInvoice.id)).all()
    return charge_states(rows)


def failed_payments(trainer_id: int) -> list[ChargeState]:
    """Her auto-pay invoices whose last charge failed (or waits for the client's bank), oldest first."""
    return [state for state in _open_charge_states(StripeCurrentInvoice.trainer_id == trainer_id) if state.failing]


@dataclass
class AutopayClient:
    client: Client
    card: AutopayCard
    charge: ChargeState | None  # her current invoice (a draft being kept in sync, or one being charged)
    last_payment: Payment | None


def _current_invoices(client_ids: list[int]) -> dict[int, tuple[StripeCurrentInvoice, Invoice]]:
    """Each client's current invoice (her newest draft or open one at Stripe), by client id."""
    rows = db.session.execute(select(StripeCurrentInvoice, Invoice)
                              .join(Invoice, Invoice.id == StripeCurrentInvoice.invoice_id)
                              .where(Invoice.client_id.in_(client_ids),
                                     StripeCurrentInvoice.state.in_(("draft", "open")),
                                     Invoice.status.in_((InvoiceStatus.draft, InvoiceStatus.open)))
                              .order_by(StripeCurrentInvoice.id.desc()))
    newest: dict[int, tuple[StripeCurrentInvoice, Invoice]] = {}
    for current, invoice in rows:
        newest.setdefault(invoice.client_id, (current, invoice))
    return newest


def _last_payments(trainer_id: int, client_ids: list[int]) -> dict[int, Payment]:
    """Each client's latest counted payment, by client id."""
    latest = (select(Payment.id, func.row_number().over(
                  partition_by=Payment.client_id, order_by=(Payment.received_on.desc(), Payment.id.desc())).label("n"))
              .where(Payment.client_id.in_(client_ids), Payment.trainer_id == trainer_id,
                     Payment.status.in_(COUNTED), Payment.deleted_at.is_(None)).subquery())
    payments = db.session.scalars(select(Payment).join(latest, latest.c.id == Payment.id).where(latest.c.n == 1))
    return {payment.client_id: payment for payment in payments}


def _autopay_rows(trainer_id: int, cards: list[tuple[AutopayCard, Client]]) -> list[AutopayClient]:
    """The overview rows for these (card, client) pairs: four reads however many there are."""
    if not cards:
        return []
    client_ids = [client.id for _, client in cards]
    currents = _current_invoices(client_ids)
    states = dict(zip(currents, charge_states(list(currents.values()))))
    last_payments = _last_payments(trainer_id, client_ids)
    return [AutopayClient(client=client, card=card, charge=states.get(client.id),
                          last_payment=last_payments.get(client.id)) for card, client in cards]


def client_autopay(trainer_id: int, client_id: int) -> AutopayClient | None:
    """One client's auto-pay, for her page; None if she has no card saved."""
    cards = db.session.execute(select(AutopayCard, Client).join(Client, Client.id == AutopayCard.client_id)
                               .where(AutopayCard.trainer_id == trainer_id, AutopayCard.client_id == client_id)
                               ).all()
    return next(iter(_autopay_rows(trainer_id, cards)), None)


def autopay_clients(trainer_id: int) -> list[AutopayClient]:
    """Every client of hers with auto-pay on, by name."""
    cards = db.session.execute(select(AutopayCard, Client).join(Client, Client.id == AutopayCard.client_id)
                               .where(AutopayCard.trainer_id == trainer_id, AutopayCard.enabled.is_(True))
                               .order_by(Client.name)).all()
    return _autopay_rows(trainer_id, cards)


def autopay_client_count(trainer_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AutopayCard)
                             .where(AutopayCard.trainer_id == trainer_id, AutopayCard.enabled.is_(True),
                                    AutopayCard.stripe_payment_method_id.is_not(None)))


def past_due_client_ids(trainer_id: int) -> set[int]:
    """Her clients with an auto-pay invoice past due (the last retry failed, or the card can't be used)."""
    return {state.invoice.client_id for state in failed_payments(trainer_id) if state.past_due}


def is_past_due(client_id: int) -> bool:
    """She has an auto-pay invoice past due, by the same rule as the dashboard (ChargeState.past_due)."""
    return any(state.past_due for state in _open_charge_states(Invoice.client_id == client_id))


def clients_with_credits_held(trainer: Trainer) -> set[int]:
    """The clients whose new membership credits wait for payment: past due, when she chose so in Settings."""
    return past_due_client_ids(trainer.id) if trainer.autopay_suspend_credits else set()
