"""The end of an auto-pay client's cycle: her invoice, once sent, is synced one last time, finalized at Stripe
and charged; when that cannot be (account disconnected, card removed), it falls back to the usual pay link
and the trainer sees why. Runs in a job after the send's commit, never inside the Send transaction."""
import logging
from dataclasses import dataclass
from datetime import datetime, time, timezone

from redis.exceptions import RedisError
from sqlalchemy import select

from app.extensions import db
from app.integrations import stripe_invoices as api
from app.integrations.stripe_payments import PaymentProviderError
from app.models import Invoice, InvoiceStatus, StripeCurrentInvoice
from app.models.types import utcnow
from app.services import stripe_sync
from app.services.autopay_cards import active_card, describe
from app.services.stripe_pacing import paced

log = logging.getLogger(__name__)
FINALIZE_JOB = "app.jobs.stripe_sync.finalize_autopay_invoice"


@dataclass(frozen=True)
class ChargeNote:
    card: str  # "Visa •4242"
    charge_on: str  # "Dec 1"

    def __str__(self) -> str:
        return f"{self.card} on {self.charge_on}"


def after_send(invoice_ids: list[int]) -> None:
    """Called after a send's commit: each sent invoice of a client on auto-pay gets its finalize job."""
    from app.jobs import get_queue

    if not invoice_ids:
        return
    ids = stripe_sync.autopay_invoices(invoice_ids, InvoiceStatus.open)
    try:
        queue = get_queue()
        for invoice_id in ids:
            queue.enqueue(FINALIZE_JOB, invoice_id, job_id=f"stripe-finalize-{invoice_id}", result_ttl=3600,
                          failure_ttl=86400)
    except RedisError as e:
        log.warning("Auto-pay finalize of invoices %s not enqueued (%s)", ids, e)


def finalize_sent_invoice(invoice_id: int) -> str:
    """Final sync, then finalize at Stripe (auto_advance stays off), then the first charge. A second run
    of a finalized (or fallen back) invoice does nothing."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or invoice.status != InvoiceStatus.open:
        db.session.rollback()
        return "not an open invoice"
    current = _current(invoice_id)
    if current is not None and current.state != "draft":
        db.session.rollback()
        return f"already {current.state}"
    card = active_card(invoice.client_id)
    if card is None:
        return _fall_back(invoice_id, "The client's card was removed or auto-pay was turned off.") \
            if current is not None else "not on auto-pay"
    db.session.rollback()
    outcome = stripe_sync.sync_invoice(invoice_id, final=True)
    current = _current(invoice_id)
    if current is None or current.sync_error or not current.stripe_invoice_id:
        reason = current.sync_error if current is not None else outcome
        return _fall_back(invoice_id, f"Stripe could not take the invoice: {reason}")
    account, stripe_invoice_id = current.stripe_account_id, current.stripe_invoice_id
    db.session.rollback()
    try:
        opened = paced(account, lambda: api.finalize_invoice(account, stripe_invoice_id,
                                                             f"spotter-finalize-{stripe_invoice_id}"))
    except PaymentProviderError as e:
        return _fall_back(invoice_id, f"Stripe could not finalize the invoice: {e}")
    _mark_open(invoice_id, opened)
    start_first_charge(invoice_id)
    return "finalized"


def start_first_charge(invoice_id: int):
    """The one place the first charge of a finalized auto-pay invoice starts (POST /v1/invoices/{id}/pay),
    as attempt 1 of `autopay_charges` (imported here: charges book payments, which reach back to drafts)."""
    from app.services import autopay_charges

    return autopay_charges.charge(invoice_id, attempt_no=1)


def _current(invoice_id: int) -> StripeCurrentInvoice | None:
    return db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice_id)
                             .with_for_update())


def _mark_open(invoice_id: int, opened: api.StripeInvoice) -> None:
    current = _current(invoice_id)
    invoice = db.session.get(Invoice, invoice_id)
    current.state = "open"
    current.hosted_invoice_url = opened.hosted_invoice_url
    current.finalized_at = current.finalized_at or utcnow()
    current.charge_on = current.charge_on or _charge_on(invoice)
    db.session.commit()


def _charge_on(invoice: Invoice) -> datetime:
    day = invoice.issue_date or utcnow().date()
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


def _fall_back(invoice_id: int, reason: str) -> str:
    """Back to the normal pay link; the reason is kept for the trainer."""
    current = _current(invoice_id)
    if current is None:
        invoice = db.session.get(Invoice, invoice_id)
        current = StripeCurrentInvoice(trainer_id=invoice.trainer_id, invoice_id=invoice_id, stripe_account_id="",
                                       synced_version=0, sync_error="")
        db.session.add(current)
    current.state = "fallback"
    current.fallback_reason = reason[:300]
    db.session.commit()
    return f"fallback: {reason}"


def charge_note(invoice: Invoice, card=None) -> ChargeNote | None:
    """"Visa •4242 on Dec 1" for an auto-pay client's sent invoice still to be charged; None otherwise (not on
    auto-pay, nothing due, or fallen back to the pay link). `card`: her active card, when already read."""
    if invoice.status != InvoiceStatus.open or not invoice.due_cents:
        return None
    card = card or active_card(invoice.client_id)
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice.id))
    if card is None or (current is not None and current.state not in ("draft", "open")):
        return None
    when = current.charge_on if current is not None and current.charge_on else _charge_on(invoice)
    return ChargeNote(describe(card), f"{when:%b} {when.day}")


def fallback_reason(trainer_id: int, invoice_id: int) -> str:
    """Why this invoice of hers went back to the pay link ("" when it did not)."""
    return db.session.scalar(select(StripeCurrentInvoice.fallback_reason).where(
        StripeCurrentInvoice.trainer_id == trainer_id, StripeCurrentInvoice.invoice_id == invoice_id,
        StripeCurrentInvoice.state == "fallback")) or ""
