"""A voided invoice's adjustments are not lost: its lines go back on the client's draft as billed."""
from sqlalchemy import select

from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceStatus
from app.services.audit import record_event
from app.services.invoice_numbers import format_invoice_number

CARRIED = ("session_id", "description", "service_date", "service_starts_at", "duration_minutes", "quantity",
           "unit_price_cents", "no_charge", "no_charge_reason", "plan_id")


def redraft_from_void(void: Invoice, actor: str) -> Invoice | None:
    """Puts the void invoice's live lines on the client's draft (made if she has none): its sessions
    with their prices and no-charges, and its fees and discounts, each marked as from the void.
    Part of the void's transaction: the caller commits."""
    lines = void.live_lines
    if not lines:
        return None
    draft = db.session.scalar(select(Invoice).where(
        Invoice.trainer_id == void.trainer_id, Invoice.client_id == void.client_id,
        Invoice.status == InvoiceStatus.draft))
    if draft is None:
        draft = Invoice(trainer_id=void.trainer_id, client_id=void.client_id, currency=void.currency,
                        status=InvoiceStatus.draft, version=0)
        db.session.add(draft)
    on_draft = {line.session_id for line in draft.lines if line.session_id}
    for line in lines:
        if line.session_id is not None and line.session_id in on_draft:
            continue
        draft.lines.append(InvoiceLine(trainer_id=void.trainer_id, from_invoice_id=void.id,
                                       **{name: getattr(line, name) for name in CARRIED}))
    draft.total_cents = max(draft.lines_sum_cents, 0)
    draft.version += 1  # a screen showing the draft as it was is now outdated
    db.session.flush()
    record_event(draft.id, void.trainer_id, actor, "carried_over", from_value=format_invoice_number(void.number),
                 to_value=f"{len(lines)} line{'' if len(lines) == 1 else 's'}")
    return draft
