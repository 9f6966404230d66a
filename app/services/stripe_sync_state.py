"""What the trainer sees of an auto-pay draft's Stripe current invoice: "in sync", "changes waiting" or
"sync failed: <reason>", read from the database only (never from Stripe on page load), and "Sync now"."""
from dataclasses import dataclass

from sqlalchemy import exists, select

from app.extensions import db
from app.models import AutopayCard, Client, Invoice, InvoiceLine, InvoiceStatus, StripeCurrentInvoice
from app.services.autopay_cards import active_card
from app.services.stripe_sync import request_sync
from app.tenancy import require_owned


@dataclass(frozen=True)
class SyncState:
    label: str  # "in sync" | "changes waiting" | "sync failed"
    reason: str = ""


def sync_states(trainer_id: int, invoice_ids: list[int]) -> dict[int, SyncState]:
    """The sync state of each auto-pay draft among `invoice_ids`, from the database in one query (never
    from Stripe); drafts of clients not on auto-pay are left out."""
    if not invoice_ids:
        return {}
    live = exists().where(InvoiceLine.invoice_id == Invoice.id, InvoiceLine.removed_at.is_(None))
    rows = db.session.execute(
        select(Invoice.id, Invoice.version, StripeCurrentInvoice.id.label("current_id"),
               StripeCurrentInvoice.synced_version, StripeCurrentInvoice.sync_error,
               (live & Client.archived_at.is_(None)).label("wanted"))
        .join(AutopayCard, AutopayCard.client_id == Invoice.client_id)
        .join(Client, Client.id == Invoice.client_id)
        .outerjoin(StripeCurrentInvoice, StripeCurrentInvoice.invoice_id == Invoice.id)
        .where(Invoice.trainer_id == trainer_id, Invoice.id.in_(invoice_ids), Invoice.status == InvoiceStatus.draft,
               AutopayCard.enabled.is_(True), AutopayCard.stripe_payment_method_id.is_not(None))).all()
    return {row.id: _state(row.version, row.synced_version, row.sync_error, row.current_id is None and not row.wanted)
            for row in rows}


def _state(version: int, synced_version: int | None, sync_error: str | None, nothing_wanted: bool) -> SyncState:
    """`nothing_wanted`: an empty draft (or an archived client's) with no Stripe invoice, as it should be."""
    if sync_error:
        return SyncState("sync failed", sync_error)
    if nothing_wanted:
        return SyncState("in sync")
    if synced_version is None or synced_version < version:
        return SyncState("changes waiting")
    return SyncState("in sync")


def client_draft_state(trainer_id: int, client_id: int) -> tuple[int, SyncState] | None:
    """(draft id, its sync state) for the client page, when she is on auto-pay and has a draft."""
    draft_id = db.session.scalar(select(Invoice.id).where(Invoice.trainer_id == trainer_id,
                                                          Invoice.client_id == client_id,
                                                          Invoice.status == InvoiceStatus.draft))
    state = sync_states(trainer_id, [draft_id]).get(draft_id) if draft_id else None
    return (draft_id, state) if state else None


def states_by_client(trainer_id: int, client_ids: list[int]) -> dict[int, SyncState]:
    """Each auto-pay client's draft's sync state, by client id, in two queries (the overview's column)."""
    if not client_ids:
        return {}
    drafts = dict(db.session.execute(select(Invoice.id, Invoice.client_id).where(
        Invoice.trainer_id == trainer_id, Invoice.client_id.in_(client_ids), Invoice.status == InvoiceStatus.draft)).all())
    return {drafts[invoice_id]: state for invoice_id, state in sync_states(trainer_id, list(drafts)).items()}


def sync_now(trainer_id: int, invoice_id: int) -> bool:
    """The trainer's "Sync now": her own auto-pay draft's sync enqueued (LookupError for anyone else's)."""
    invoice = require_owned(Invoice, trainer_id, invoice_id)
    if invoice.status != InvoiceStatus.draft or active_card(invoice.client_id) is None:
        raise LookupError(invoice_id)
    db.session.commit()
    request_sync(invoice_id)
    return True
