"""The Stripe current invoice of an auto-pay client's draft, kept in line with the draft by diffing.

One Stripe invoice per draft (recorded in StripeCurrentInvoice), one invoice item per live line, keyed by
the line's id in the item's metadata. A sync reads the invoice's items in one list call, then creates,
updates or deletes only what differs; it recreates the invoice when it was deleted at Stripe, and deletes
it when the draft no longer needs one (stripe_sync_strays). Spotter's rows stay the truth: the trainer's
pages read `sync_state`, never Stripe.

Idempotency keys come from what a write means (the line, its content, the draft's version), so a sync
killed between Stripe's answer and the local commit, run again, creates nothing twice.
"""
import hashlib
import logging
from dataclasses import dataclass

from redis.exceptions import RedisError
from rq.job import JobStatus
from sqlalchemy import exists, or_, select

from app.extensions import db
from app.integrations import stripe_invoices as api
from app.integrations.stripe_payments import ObjectNotFound, PaymentProviderError
from app.models import AutopayCard, Client, Invoice, InvoiceLine, InvoiceStatus, StripeCurrentInvoice
from app.models.types import utcnow
from app.services.stripe_pacing import paced
from app.services.stripe_sync_strays import Stray, needs_no_stripe_invoice, remove_stray, stray_drafts, stray_of

log = logging.getLogger(__name__)
SYNC_JOB = "app.jobs.stripe_sync.sync_stripe_invoice"
MAX_ITEMS = 250  # Stripe's limit of invoice items on one invoice
PASSES = 3  # a line edited during a sync is brought in by another pass of the same job


@dataclass(frozen=True)
class Want:
    line_id: str
    quantity: int
    unit_cents: int
    description: str

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_cents

    @property
    def digest(self) -> str:
        text = f"{self.quantity}|{self.unit_cents}|{self.description}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Snapshot:
    invoice_id: int
    version: int
    account: str
    customer_id: str
    currency: str
    stripe_invoice_id: str | None
    metadata: dict
    wants: list[Want]


def sync_invoice(invoice_id: int, final: bool = False) -> str:
    """Brings the Stripe current invoice in line with the draft (`final`: the invoice just sent)."""
    outcome = "in sync"
    for _ in range(PASSES):
        snapshot = _snapshot(invoice_id, final)
        if isinstance(snapshot, str):
            return snapshot
        if isinstance(snapshot, Stray):
            outcome = remove_stray(snapshot)
            invoice = db.session.get(Invoice, invoice_id)
            if outcome.startswith("sync failed") or invoice is None or invoice.version == snapshot.version:
                return outcome
            continue  # a line came back during the removal: the next pass makes a new invoice
        try:
            stripe_invoice_id, writes = _bring_in_line(snapshot)
        except (PaymentProviderError, TooManyLines) as e:
            _record(snapshot, None, error=str(e))
            return f"sync failed: {e}"
        if not _record(snapshot, stripe_invoice_id):
            return outcome  # the version moved on; recorded as it is, nothing more to bring in
        outcome = f"in sync ({writes} writes)"
        if db.session.get(Invoice, invoice_id).version == snapshot.version:
            return outcome
    return outcome


class TooManyLines(Exception):
    """More lines than Stripe takes on one invoice: refused before any call."""


def _snapshot(invoice_id: int, final: bool) -> Snapshot | Stray | str:
    """What the draft wants at Stripe (or the Stripe draft it no longer needs), read in one short
    transaction that ends before any call."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or (invoice.status != InvoiceStatus.draft and not final):
        db.session.rollback()
        return "not a draft"
    # Imported here, not above: autopay_cards reaches the payments modules, which reach the drafts that
    # import this module.
    from app.services.autopay_cards import active_card

    card = active_card(invoice.client_id)
    if invoice.status == InvoiceStatus.draft and needs_no_stripe_invoice(invoice, card):
        stray = stray_of(invoice)
        db.session.rollback()
        return stray or ("not on auto-pay" if card is None else "nothing to sync")
    if card is None:
        db.session.rollback()
        return "not on auto-pay"
    current = _current(invoice, card)
    wants = [Want(str(line.id), line.quantity, 0 if line.no_charge else line.unit_price_cents, line.description)
             for line in invoice.live_lines]
    snapshot = Snapshot(invoice.id, invoice.version, card.stripe_account_id, card.stripe_customer_id,
                        invoice.currency, current.stripe_invoice_id,
                        {"spotter_invoice_id": str(invoice.id), "spotter_trainer_id": str(invoice.trainer_id),
                         "spotter_client_id": str(invoice.client_id)}, wants)
    db.session.commit()
    return snapshot


def _current(invoice: Invoice, card: AutopayCard) -> StripeCurrentInvoice:
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice.id))
    if current is None:
        current = StripeCurrentInvoice(trainer_id=invoice.trainer_id, invoice_id=invoice.id,
                                       stripe_account_id=card.stripe_account_id, state="draft", synced_version=0,
                                       sync_error="")
        db.session.add(current)
        db.session.flush()
    return current


def _bring_in_line(s: Snapshot) -> tuple[str, int]:
    """(the Stripe invoice's id, how many writes it took)."""
    if len(s.wants) > MAX_ITEMS:
        raise TooManyLines(f"Stripe takes at most {MAX_ITEMS} lines on one invoice; this one has {len(s.wants)}.")
    items, writes = None, 0
    stripe_invoice_id = s.stripe_invoice_id
    if stripe_invoice_id:
        try:
            items = paced(s.account, lambda: api.list_invoice_items(s.account, stripe_invoice_id))
        except ObjectNotFound:
            items = None  # deleted at Stripe (the dashboard): made again below
    if items is None:
        stripe_invoice_id, items = _create_invoice(s, after=stripe_invoice_id)
        _note_stripe_invoice(s.invoice_id, stripe_invoice_id)
        writes = 1
    return stripe_invoice_id, writes + _diff(s, stripe_invoice_id, items)


def _create_invoice(s: Snapshot, after: str | None) -> tuple[str, list[api.StripeInvoiceItem]]:
    """(the new invoice's id, its items). An answer replayed for an earlier run's invoice is read: it may
    hold items already, or be deleted since (the draft emptied or auto-pay off in between), and then the
    key is spent and the next one names the deleted invoice."""
    # The key names the invoice it replaces: a deleted invoice's key would only replay the deleted one.
    key = f"spotter-invoice-{s.invoice_id}-after-{after or 'none'}"
    for _ in range(5):
        created = paced(s.account, lambda: api.create_invoice(s.account, s.customer_id, s.metadata, key))
        if not created.replayed:
            return created.id, []
        try:
            return created.id, paced(s.account, lambda: api.list_invoice_items(s.account, created.id))
        except ObjectNotFound:
            key = f"spotter-invoice-{s.invoice_id}-after-{created.id}"
    raise PaymentProviderError("Stripe kept answering with deleted invoices; the next sync tries again.")


def _note_stripe_invoice(invoice_id: int, stripe_invoice_id: str) -> None:
    """The new Stripe invoice's id, kept at once: a sync stopped after this point finds it again."""
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice_id))
    current.stripe_invoice_id = stripe_invoice_id
    db.session.commit()


def _diff(s: Snapshot, stripe_invoice_id: str, items: list[api.StripeInvoiceItem]) -> int:
    wanted = {w.line_id: w for w in s.wants}
    found: dict[str, api.StripeInvoiceItem] = {}
    extra = []
    for item in items:
        line_id = item.metadata.get("spotter_line_id")
        if line_id in wanted and line_id not in found:
            found[line_id] = item
        else:
            extra.append(item)  # no line any more, or a second item for one line
    present = {item.id for item in items}
    writes = 0
    for want in s.wants:
        item = found.get(want.line_id)
        if item is None:
            _create_item(s, stripe_invoice_id, want, present)
            writes += 1
        elif (item.amount, item.quantity, item.description) != (want.amount, want.quantity, want.description):
            key = f"spotter-item-{item.id}-v{s.version}-{want.digest}"
            paced(s.account, lambda: api.update_invoice_item(
                s.account, item.id, quantity=want.quantity, unit_amount_cents=want.unit_cents,
                description=want.description, idempotency_key=key))
            writes += 1
    for item in extra:
        try:
            paced(s.account, lambda: api.delete_invoice_item(s.account, item.id))
        except ObjectNotFound:
            pass  # already gone
        writes += 1
    return writes


def _create_item(s: Snapshot, stripe_invoice_id: str, want: Want, present: set[str]) -> None:
    """Creates the line's item. An answer replayed for an item that is no longer on the invoice (deleted at
    Stripe) means the key was spent: the next key names the deleted item, so the put-back is made once."""
    key = f"spotter-item-{stripe_invoice_id}-{want.line_id}-{want.digest}"
    for _ in range(5):
        created = paced(s.account, lambda: api.create_invoice_item(
            s.account, invoice_id=stripe_invoice_id, customer_id=s.customer_id, currency=s.currency,
            quantity=want.quantity, unit_amount_cents=want.unit_cents, description=want.description,
            metadata={"spotter_line_id": want.line_id, "spotter_invoice_id": str(s.invoice_id)},
            idempotency_key=key))
        if not created.replayed or created.id in present:
            return
        key = f"spotter-item-{stripe_invoice_id}-{want.line_id}-{want.digest}-after-{created.id}"


def _record(s: Snapshot, stripe_invoice_id: str | None, error: str = "") -> bool:
    """Stores the outcome; False when a later sync already recorded a newer version."""
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == s.invoice_id)
                                .with_for_update())
    if error:
        current.sync_error = error[:300]
        db.session.commit()
        return True
    if current.synced_version > s.version:
        db.session.rollback()
        return False
    current.stripe_invoice_id = stripe_invoice_id
    current.synced_version = s.version
    current.synced_at = utcnow()
    current.sync_error = ""
    db.session.commit()
    return True


def request_sync(invoice_id: int) -> bool:
    """Enqueues the draft's sync once: a sync already waiting for it takes this change too. Called after
    the change's commit; Redis out of reach is logged, and the clock's sweep finds the draft later."""
    from app.jobs import get_queue

    job_id = f"stripe-sync-{invoice_id}"
    try:
        queue = get_queue()
        job = queue.fetch_job(job_id)
        if job is not None and job.get_status(refresh=True) in (JobStatus.QUEUED, JobStatus.STARTED,
                                                                JobStatus.DEFERRED, JobStatus.SCHEDULED):
            return False  # a running sync passes again when the version moved under it
        if job is not None:
            job.delete()
        queue.enqueue(SYNC_JOB, invoice_id, job_id=job_id, result_ttl=60, failure_ttl=3600)
        return True
    except RedisError as e:
        log.warning("Stripe sync of invoice %s not enqueued (%s); the sweep will pick it up", invoice_id, e)
        return False


def autopay_invoices(invoice_ids, status: InvoiceStatus) -> list[int]:
    """Those of the invoices (in `status`) whose client is on auto-pay. No commit: it would expire the
    caller's loaded rows, read again just to be shown."""
    ids = [i for i in invoice_ids if i is not None]
    if not ids:
        return []
    return list(db.session.scalars(select(Invoice.id).join(AutopayCard, AutopayCard.client_id == Invoice.client_id)
                                   .where(Invoice.id.in_(ids), Invoice.status == status,
                                          AutopayCard.enabled.is_(True),
                                          AutopayCard.stripe_payment_method_id.is_not(None))))


def after_draft_change(invoice_ids) -> None:
    """Called after a draft change's commit: auto-pay drafts get their sync enqueued."""
    for invoice_id in autopay_invoices(invoice_ids, InvoiceStatus.draft):
        request_sync(invoice_id)


def after_client_change(client_id: int) -> None:
    """Called after the commit that turned her auto-pay off or archived or restored her: each of her
    drafts whose Stripe draft must follow gets its sync enqueued (made, or deleted as no longer needed)."""
    drafts = db.session.scalars(select(Invoice.id).where(Invoice.client_id == client_id,
                                                         Invoice.status == InvoiceStatus.draft)).all()
    for invoice_id in sorted(set(autopay_invoices(drafts, InvoiceStatus.draft)) | set(stray_drafts(client_id))):
        request_sync(invoice_id)


def after_card_removed(account: str) -> None:
    """Called after a removed card's commit: drafts on the account left holding a Stripe draft they no
    longer need get their sync enqueued, which deletes it."""
    for invoice_id in stray_drafts(account=account):
        request_sync(invoice_id)


def autopay_drafts(lagging_only: bool = True) -> list[int]:
    """Auto-pay drafts; `lagging_only`: those whose Stripe invoice is behind (never synced, an older
    version, or a failed sync)."""
    live = exists().where(InvoiceLine.invoice_id == Invoice.id, InvoiceLine.removed_at.is_(None))
    stmt = (select(Invoice.id).join(AutopayCard, AutopayCard.client_id == Invoice.client_id)
            .join(Client, Client.id == Invoice.client_id)
            .outerjoin(StripeCurrentInvoice, StripeCurrentInvoice.invoice_id == Invoice.id)
            .where(Invoice.status == InvoiceStatus.draft, AutopayCard.enabled.is_(True),
                   AutopayCard.stripe_payment_method_id.is_not(None), Client.archived_at.is_(None), live)
            .order_by(Invoice.id))
    if lagging_only:
        stmt = stmt.where(or_(StripeCurrentInvoice.id.is_(None), StripeCurrentInvoice.synced_version < Invoice.version,
                              StripeCurrentInvoice.sync_error != ""))
    return list(db.session.scalars(stmt))


def sweep(drift_check: bool = False) -> int:
    """The clock's sweep: a sync enqueued for every lagging auto-pay draft and every draft still holding a
    Stripe draft it no longer needs. The drift check (`drift_check`) takes every auto-pay draft, to put
    back what was changed at Stripe behind Spotter's back."""
    ids = sorted(set(autopay_drafts(lagging_only=not drift_check)) | set(stray_drafts()))
    db.session.commit()
    return sum(1 for invoice_id in ids if request_sync(invoice_id))
