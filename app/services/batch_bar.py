"""What "Send N invoices · $X · K not texted" sends, and who among them cannot get a text."""
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import Client, Invoice, InvoiceLine, InvoiceStatus
from app.services.drafts import is_sendable, live_lines_sum
from app.services.outbox import why_not_textable


@dataclass
class NotTexted:
    client_id: int
    client_name: str
    reason: str


@dataclass
class BatchBar:
    """The drafts a press of Send finalizes, at the versions the trainer is looking at."""

    count: int
    total_cents: int
    versions: list[tuple[int, int]]
    not_texted: list[NotTexted] = field(default_factory=list)


def _not_texted(clients: list[Client]) -> list[NotTexted]:
    rows = [(c, why_not_textable(c)) for c in clients]
    rows = [NotTexted(c.id, c.name, reason) for c, reason in rows if reason]
    return sorted(rows, key=lambda r: (r.client_name.lower(), r.client_id))


def bar_from_drafts(drafts: list[Invoice]) -> BatchBar:
    sendable = [d for d in drafts if is_sendable(d)]
    return BatchBar(len(sendable), sum(d.total_cents for d in sendable), [(d.id, d.version) for d in sendable],
                    _not_texted([d.client for d in sendable]))


def load_batch_bar(trainer_id: int) -> BatchBar:
    """The same figures in one query, without loading every line (used after each adjustment):
    `is_sendable` in SQL."""
    has_live_line = select(InvoiceLine.id).where(InvoiceLine.invoice_id == Invoice.id,
                                                 InvoiceLine.removed_at.is_(None)).exists()
    rows = db.session.execute(
        select(Invoice.id, Invoice.version, Invoice.total_cents, Client)
        .join(Client, Client.id == Invoice.client_id).where(
            Invoice.trainer_id == trainer_id, Invoice.status == InvoiceStatus.draft, Invoice.included,
            has_live_line, live_lines_sum() >= 0).order_by(Invoice.id)).all()
    return BatchBar(len(rows), sum(r.total_cents for r in rows), [(r.id, r.version) for r in rows],
                    _not_texted([r.Client for r in rows]))
