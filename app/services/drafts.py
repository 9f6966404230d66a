"""Draft invoices: one per client, built from completed sessions not yet invoiced, adjusted in place.

Every adjustment names the draft version it was made on. The version is bumped with a
compare-and-set UPDATE, so an edit made on an outdated screen is refused, never applied on top.
"""
from flask import current_app
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceStatus
from app.models.types import utcnow
from app.money import format_cents
from app.services import ServiceError, stripe_sync
from app.services.audit import record_event
from app.services.stripe_sync_strays import holds_stripe_draft
from app.tenancy import owned, require_owned

MAX_QUANTITY = 1000
MAX_DESCRIPTION = 200
QUANTITY_RANGE = f"Quantity must be between 1 and {MAX_QUANTITY}."
DESCRIPTION_TOO_LONG = f"Keep it to {MAX_DESCRIPTION} characters."
STALE_MESSAGE = ("This invoice was changed on another screen. Here is the latest version; "
                 "make your change again if it is still needed.")


class DraftNotFound(LookupError):
    pass


class StaleDraft(ServiceError):
    def __init__(self):
        super().__init__(STALE_MESSAGE)


def load_drafts(trainer_id: int) -> list[Invoice]:
    stmt = owned(Invoice, trainer_id).where(Invoice.status == InvoiceStatus.draft) \
        .options(selectinload(Invoice.lines))
    drafts = list(db.session.scalars(stmt).unique())
    drafts.sort(key=by_client_name)
    return drafts


def by_client_name(draft: Invoice) -> tuple:
    """The order drafts are shown in, and numbered in when sent."""
    return draft.client.name.lower(), draft.id


def sync_drafts(trainer_id: int) -> list[Invoice]:
    """Runs the billing engine on demand: every client's draft brought up to date, all drafts returned."""
    from app.services.billing_engine import build_drafts

    return build_drafts(trainer_id)


def live_lines_sum():
    """SQL for a draft's live lines added up (Invoice.lines_sum_cents, in the database)."""
    live = (InvoiceLine.invoice_id == Invoice.id) & InvoiceLine.removed_at.is_(None)
    return select(func.coalesce(func.sum(case((InvoiceLine.no_charge, 0),
                                              else_=InvoiceLine.quantity * InvoiceLine.unit_price_cents)), 0)
                  ).where(live).scalar_subquery()


def refresh_totals(invoice_ids: set[int]) -> None:
    """Recomputes totals and bumps versions of the given drafts; drops drafts left with no line (one still
    holding a Stripe draft goes with it, once its sync has deleted that)."""
    line_sum = live_lines_sum()
    db.session.execute(update(Invoice).where(Invoice.id.in_(invoice_ids))
                       .values(total_cents=case((line_sum < 0, 0), else_=line_sum), version=Invoice.version + 1)
                       .execution_options(synchronize_session=False))
    has_lines = select(InvoiceLine.id).where(InvoiceLine.invoice_id == Invoice.id).exists()
    db.session.execute(delete(Invoice).where(Invoice.id.in_(invoice_ids), Invoice.status == InvoiceStatus.draft,
                                             ~has_lines, ~holds_stripe_draft())
                       .execution_options(synchronize_session=False))


def get_draft(trainer_id: int, invoice_id: int) -> Invoice:
    try:
        return require_owned(Invoice, trainer_id, invoice_id)
    except LookupError:
        raise DraftNotFound(invoice_id) from None


def _claim(trainer_id: int, invoice_id: int, version: int | None) -> Invoice:
    """Loads the draft and takes its next version, or refuses: finalized, or changed meanwhile."""
    invoice = get_draft(trainer_id, invoice_id)
    if invoice.status != InvoiceStatus.draft:
        raise ServiceError(f"This invoice was already {invoice.status.value if invoice.status.value != 'open' else 'sent'}; "
                           "it can no longer be edited.")
    if version is None or invoice.version != version:
        raise StaleDraft()
    taken = db.session.execute(
        update(Invoice).where(Invoice.id == invoice_id, Invoice.version == version,
                              Invoice.status == InvoiceStatus.draft)
        .values(version=version + 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        db.session.rollback()
        raise StaleDraft()
    set_committed_value(invoice, "version", version + 1)  # already written by the UPDATE above
    return invoice


def invoice_max_cents() -> int:
    return current_app.config["INVOICE_MAX_CENTS"]


def over_the_ceiling(total_cents: int, currency: str) -> str | None:
    """Why an invoice of this total cannot be, if it is over INVOICE_MAX_CENTS."""
    if total_cents <= invoice_max_cents():
        return None
    return f"An invoice can be at most {format_cents(invoice_max_cents(), currency)}."


def _finish(invoice: Invoice, field: str | None = "unit_price") -> Invoice:
    """Stores the draft's new total, or refuses the change (beside `field`): below zero, or taking it
    higher over the ceiling. A draft already over it (sessions logged since) may still come down."""
    total = invoice.lines_sum_cents
    if total < 0:
        db.session.rollback()
        raise ServiceError("Discounts cannot be larger than the rest of the invoice; "
                           "an invoice never goes below zero.", "unit_price")
    too_much = over_the_ceiling(total, invoice.currency) if total > invoice.total_cents else None
    if too_much:
        db.session.rollback()
        raise ServiceError(too_much, field)
    invoice.total_cents = total
    db.session.commit()
    stripe_sync.after_draft_change([invoice.id])
    return invoice


def _line(invoice: Invoice, line_id: int) -> InvoiceLine:
    line = next((line for line in invoice.lines if line.id == line_id), None)
    if line is None:
        db.session.rollback()
        raise DraftNotFound(line_id)
    return line


def is_sendable(draft: Invoice) -> bool:
    return draft.included and bool(draft.live_lines) and draft.lines_sum_cents >= 0


def _check_price(cents: int | None, is_session: bool) -> None:
    if cents is not None and cents < 0 and is_session:
        raise ServiceError("A session's price cannot be negative. Add a discount line instead.", "unit_price")


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ServiceError(QUANTITY_RANGE, "quantity")


def _check_description(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ServiceError("Enter a description.", "description")
    if len(text) > MAX_DESCRIPTION:
        raise ServiceError(DESCRIPTION_TOO_LONG, "description")
    return text


def update_line(trainer_id: int, invoice_id: int, line_id: int, version: int | None, actor: str, *,
                unit_price_cents: int | None = None, quantity: int | None = None, description: str | None = None,
                no_charge: bool | None = None, no_charge_reason: str = "") -> Invoice:
    """Applies the given fields of one line (None leaves a field as it is), recording each change
    in the history. The price and no-charge are saved from the line itself as they change; the
    quantity and description from the line's edit form."""
    if description is not None:
        description = _check_description(description)
    if quantity is not None:
        _check_quantity(quantity)
    invoice = _claim(trainer_id, invoice_id, version)
    line = _line(invoice, line_id)
    try:
        _check_price(unit_price_cents, line.session_id is not None)
    except ServiceError:
        db.session.rollback()
        raise
    cur = invoice.currency
    # The ceiling's message goes beside the field that was changed.
    quantity_changed_alone = quantity is not None and quantity != line.quantity and \
        unit_price_cents in (None, line.unit_price_cents)

    def log(kind, old, new, why=""):
        record_event(invoice.id, trainer_id, actor, kind, line_id=line.id, from_value=old, to_value=new,
                     reason=why)

    if unit_price_cents is not None and unit_price_cents != line.unit_price_cents:
        log("price", format_cents(line.unit_price_cents, cur), format_cents(unit_price_cents, cur))
        line.unit_price_cents = unit_price_cents
    if quantity is not None and quantity != line.quantity:
        log("quantity", line.quantity, quantity)
        line.quantity = quantity
    if description is not None and description != line.description:
        log("description", line.description, description)
        line.description = description
    if no_charge is not None:
        _apply_no_charge(line, no_charge, (no_charge_reason or "").strip()[:200], log)
    return _finish(invoice, "quantity" if quantity_changed_alone else "unit_price")


def _apply_no_charge(line: InvoiceLine, no_charge: bool, reason: str, log) -> None:
    if no_charge != line.no_charge or (no_charge and reason != line.no_charge_reason):
        log("no_charge" if no_charge else "charge", "charged" if not line.no_charge else "complimentary",
            "complimentary" if no_charge else "charged", reason if no_charge else "")
        line.no_charge = no_charge
        line.no_charge_reason = reason if no_charge else ""


def remove_line(trainer_id: int, invoice_id: int, line_id: int, version: int | None, actor: str) -> Invoice:
    """Takes a line off. A session's line is kept hidden so the session stays out of this draft;
    it goes back to the uninvoiced pool for a later invoice."""
    invoice = _claim(trainer_id, invoice_id, version)
    line = _line(invoice, line_id)
    if line.removed_at is None:
        record_event(invoice.id, trainer_id, actor, "removed", line_id=line.id,
                     from_value=f"{line.description} · {format_cents(line.amount_cents, invoice.currency)}")
        if line.session_id is None:
            invoice.lines.remove(line)
        else:
            line.removed_at = utcnow()
    return _finish(invoice)


def restore_line(trainer_id: int, invoice_id: int, line_id: int, version: int | None, actor: str) -> Invoice:
    invoice = _claim(trainer_id, invoice_id, version)
    line = _line(invoice, line_id)
    if line.removed_at is not None:
        line.removed_at = None
        record_event(invoice.id, trainer_id, actor, "restored", line_id=line.id, to_value=line.description)
    return _finish(invoice)


def add_line(trainer_id: int, invoice_id: int, version: int | None, actor: str, *, description: str,
             quantity: int, unit_price_cents: int) -> Invoice:
    """A fee, product, or discount (negative price)."""
    description = _check_description(description)
    _check_quantity(quantity)
    invoice = _claim(trainer_id, invoice_id, version)
    line = InvoiceLine(trainer_id=trainer_id, description=description, quantity=quantity,
                       unit_price_cents=unit_price_cents)
    invoice.lines.append(line)
    db.session.flush()
    record_event(invoice.id, trainer_id, actor, "added", line_id=line.id,
                 to_value=f"{description} · {quantity} × {format_cents(unit_price_cents, invoice.currency)}")
    return _finish(invoice)


def set_note(trainer_id: int, invoice_id: int, version: int | None, actor: str, note: str) -> Invoice:
    note = (note or "").strip()
    if len(note) > 500:
        raise ServiceError("Keep the note to 500 characters.", "note")
    invoice = _claim(trainer_id, invoice_id, version)
    if note != invoice.note:
        record_event(invoice.id, trainer_id, actor, "note", from_value=invoice.note, to_value=note)
        invoice.note = note
    return _finish(invoice)


def set_included(trainer_id: int, invoice_id: int, version: int | None, actor: str, included: bool) -> Invoice:
    """Leave a client out of this batch, or bring them back. Their draft waits for next time."""
    invoice = _claim(trainer_id, invoice_id, version)
    if included != invoice.included:
        record_event(invoice.id, trainer_id, actor, "included" if included else "left_out")
        invoice.included = included
    return _finish(invoice)
