"""The invoice history: every adjustment recorded with who, when, from, to and why."""
from app.extensions import db
from app.models import InvoiceEvent

EVENT_LABELS = {
    "price": "Price changed", "quantity": "Quantity changed", "description": "Description changed",
    "no_charge": "Made complimentary", "charge": "Charged again", "removed": "Line removed",
    "restored": "Line restored", "added": "Line added", "note": "Note changed",
    "left_out": "Left out of the batch", "included": "Brought back into the batch",
    "finalized": "Finalized", "voided": "Voided", "resent": "Text resent",
    "payment_recorded": "Payment recorded", "payment_deleted": "Payment deleted",
    "link_reissued": "Link reissued", "link_revoked": "Link revoked", "payment_rejected": "Payment not received",
    "card_payment": "Card payment", "refund": "Refund", "carried_over": "Lines brought back from void",
    "credit_applied": "Credit applied", "written_off": "Written off",
    "late_fee": "Late fee added",
}


def record_event(invoice_id: int, trainer_id: int, actor: str, kind: str, *, line_id: int | None = None,
                 from_value: str = "", to_value: str = "", reason: str = "") -> None:
    """Adds an audit row to the current transaction; the caller commits."""
    db.session.add(InvoiceEvent(invoice_id=invoice_id, trainer_id=trainer_id, actor=actor[:120], kind=kind,
                                line_id=line_id, from_value=str(from_value)[:300],
                                to_value=str(to_value)[:300], reason=(reason or "")[:300]))
