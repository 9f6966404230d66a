"""Stray Stripe drafts: the Stripe current invoice of a draft that no longer needs one (no live line left,
the client archived, her auto-pay off or her card removed) is deleted at Stripe while it is still a draft
there, and its StripeCurrentInvoice row with it, so the trainer's dashboard and the overview no longer show
it; a later sync makes a new one if the draft needs one again. A finalized invoice is never touched.

Deleting is safe to repeat: a run that died between Stripe's answer and the local commit finds the invoice
gone (resource_missing) and only finishes the local part.
"""
from dataclasses import dataclass

from sqlalchemy import delete, exists, or_, select

from app.extensions import db
from app.integrations import stripe_invoices as api
from app.integrations.stripe_payments import ObjectNotFound, PaymentProviderError
from app.models import AutopayCard, Client, Invoice, InvoiceLine, InvoiceStatus, StripeCurrentInvoice
from app.services.stripe_pacing import paced


@dataclass(frozen=True)
class Stray:
    invoice_id: int
    version: int
    account: str
    stripe_invoice_id: str | None


def needs_no_stripe_invoice(invoice: Invoice, card: AutopayCard | None) -> bool:
    return card is None or invoice.client.is_archived or not invoice.live_lines


def stray_of(invoice: Invoice) -> Stray | None:
    """The draft's Stripe draft to delete; None when it has none."""
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == invoice.id))
    if current is None or current.state != "draft":
        return None
    return Stray(invoice.id, invoice.version, current.stripe_account_id, current.stripe_invoice_id)


def remove_stray(stray: Stray) -> str:
    """Deletes the Stripe draft (a read first: only a draft there is deleted), then forgets it here."""
    if stray.stripe_invoice_id:
        account, stripe_id = stray.account, stray.stripe_invoice_id
        try:
            found = paced(account, lambda: api.retrieve_invoice(account, stripe_id))
            if found.status != "draft":
                return _keep(stray, f"The Stripe invoice {stripe_id} is {found.status} at Stripe: left as it is.")
            paced(account, lambda: api.delete_invoice(account, stripe_id))
        except ObjectNotFound:
            pass  # deleted already: by a run that died before its commit, or in the dashboard
        except PaymentProviderError as e:
            return _keep(stray, str(e))
    _forget(stray)
    return "Stripe draft deleted"


def _keep(stray: Stray, error: str) -> str:
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == stray.invoice_id)
                                .with_for_update())
    if current is not None:
        current.sync_error = error[:300]
    db.session.commit()
    return f"sync failed: {error}"


def _forget(stray: Stray) -> None:
    current = db.session.scalar(select(StripeCurrentInvoice).where(StripeCurrentInvoice.invoice_id == stray.invoice_id)
                                .with_for_update())
    if current is not None and current.state == "draft" and current.stripe_invoice_id == stray.stripe_invoice_id:
        db.session.delete(current)
    # A draft left with no line at all was kept (drafts.refresh_totals) only until its Stripe draft was gone.
    has_lines = select(InvoiceLine.id).where(InvoiceLine.invoice_id == Invoice.id).exists()
    db.session.execute(delete(Invoice).where(Invoice.id == stray.invoice_id, Invoice.status == InvoiceStatus.draft,
                                             ~has_lines, ~holds_stripe_draft())
                       .execution_options(synchronize_session=False))
    db.session.commit()


def holds_stripe_draft():
    """SQL: the invoice has a Stripe draft of its own (not to be dropped before the draft is deleted)."""
    return exists().where(StripeCurrentInvoice.invoice_id == Invoice.id, StripeCurrentInvoice.state == "draft",
                          StripeCurrentInvoice.stripe_invoice_id.is_not(None))


def stray_drafts(client_id: int | None = None, account: str | None = None) -> list[int]:
    """Drafts holding a Stripe draft they no longer need (of one client, or on one account)."""
    live = exists().where(InvoiceLine.invoice_id == Invoice.id, InvoiceLine.removed_at.is_(None))
    on_autopay = exists().where(AutopayCard.client_id == Invoice.client_id, AutopayCard.enabled.is_(True),
                                AutopayCard.stripe_payment_method_id.is_not(None))
    stmt = (select(Invoice.id).join(StripeCurrentInvoice, StripeCurrentInvoice.invoice_id == Invoice.id)
            .join(Client, Client.id == Invoice.client_id)
            .where(Invoice.status == InvoiceStatus.draft, StripeCurrentInvoice.state == "draft",
                   or_(~live, ~on_autopay, Client.archived_at.is_not(None)))
            .order_by(Invoice.id))
    if client_id is not None:
        stmt = stmt.where(Invoice.client_id == client_id)
    if account is not None:
        stmt = stmt.where(StripeCurrentInvoice.stripe_account_id == account)
    return list(db.session.scalars(stmt))
