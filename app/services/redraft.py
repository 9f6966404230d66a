"""A voided invoice's adjustments are not lost: its lines go back on the client's draft as billed."""
from sqlalchemy import select

from app.extensions import db
from app.models import CreditLot, Invoice, InvoiceLine, InvoiceStatus, MembershipCycle
from app.services.audit import record_event
from app.services.invoice_numbers import format_invoice_number

CARRIED = ("session_id", "description", "service_date", "service_starts_at", "duration_minutes", "quantity",
           "unit_price_cents", "no_charge", "no_charge_reason", "plan_id")


def _carry_membership_cycles(void: Invoice, new_line_of: dict[int, int], draft_id: int) -> None:
    """A membership cycle billed on the void invoice is billed by its copied line now, and its sessions
    (used ones too) go with it: the cycle stays billed once, on the draft."""
    for model in (MembershipCycle, CreditLot):
        for row in db.session.scalars(select(model).where(model.invoice_id == void.id,
                                                          model.invoice_line_id.in_(list(new_line_of)))):
            if model is CreditLot and row.membership_id is None:
                continue  # a pack's lot is voided with its sale; sending the copy sells it again
            row.invoice_id, row.invoice_line_id = draft_id, new_line_of[row.invoice_line_id]


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
    copies = {}
    for line in lines:
        if line.session_id is not None and line.session_id in on_draft:
            continue
        copies[line.id] = InvoiceLine(trainer_id=void.trainer_id, from_invoice_id=void.id,
                                      **{name: getattr(line, name) for name in CARRIED})
        draft.lines.append(copies[line.id])
    draft.total_cents = max(draft.lines_sum_cents, 0)
    draft.version += 1  # a screen showing the draft as it was is now outdated
    db.session.flush()
    _carry_membership_cycles(void, {old: copy.id for old, copy in copies.items()}, draft.id)
    record_event(draft.id, void.trainer_id, actor, "carried_over", from_value=format_invoice_number(void.number),
                 to_value=f"{len(lines)} line{'' if len(lines) == 1 else 's'}")
    return draft
