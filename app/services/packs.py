"""Packs sold and the session credits they hold: one lot per sold line, one use per covered session.

A lot is made when the invoice selling it is finalized; it is usable then, or once that invoice is paid
(the trainer's setting), waiting again if a deleted or refunded payment leaves the invoice unpaid. A held
session (or a chargeable no-show, when no-shows take a credit) takes one credit from the client's usable
lot that expires first, in the transaction that makes it billable. Expiry is checked when the credit is
taken, by the trainer's calendar: a lot whose last day has passed is never used, whether or not anything
has swept it. Cancelling, editing or deleting the session gives it back.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (Client, CreditLot, CreditUse, Invoice, InvoiceLine, InvoiceStatus, Plan, PlanKind,
                        SessionStatus, Trainer, TrainingSession, ValidFrom)
from app.models.types import utcnow
from app.money import format_cents
from app.services import ServiceError, autopay_overview, stripe_sync
from app.services.audit import record_event
from app.services import drafts
from app.tenancy import find_owned, require_owned
from app.timefmt import local_today, to_local

COVERED_PREFIX = "Covered by "
UNLIMITED_SESSIONS = 1000  # a membership cycle's lot for an unlimited plan: more than any cycle holds
LOW_SESSIONS = 2
EXPIRING_DAYS = 14


def short_date(day: date) -> str:
    return f"{day:%b} {day.day}"


# Selling ------------------------------------------------------------------------------------------------

def sell_pack(trainer_id: int, client_id: int, plan_id: int, actor: str) -> Invoice:
    """Adds the pack to the client's draft (made if she has none) as a line at today's price; it is
    billed, and its credits made, through the normal Create invoices → Send."""
    plan = require_owned(Plan, trainer_id, plan_id)  # another trainer's plan: LookupError, a 404
    client = require_owned(Client, trainer_id, client_id)
    if plan.kind != PlanKind.pack:  # the page offers packs only; the API is told the same
        raise ServiceError(f"{plan.name} is a membership: start it from the client's membership instead.",
                           "plan_id")
    if plan.is_archived:
        raise ServiceError(f"{plan.name} is archived and can no longer be sold.", "plan_id")
    if client.is_archived:
        raise ServiceError(f"{client.name} is archived. Restore them to sell a pack.", "plan_id")
    for _ in range(3):
        try:
            return _add_sale_line(trainer_id, client, plan, actor)
        except IntegrityError:  # the client's draft was made by another request at the same moment
            db.session.rollback()
    raise RuntimeError("could not add the pack to the draft")


def _add_sale_line(trainer_id: int, client: Client, plan: Plan, actor: str) -> Invoice:
    trainer = db.session.get(Trainer, trainer_id)
    draft = db.session.scalar(select(Invoice).where(Invoice.trainer_id == trainer_id,
                                                    Invoice.client_id == client.id,
                                                    Invoice.status == InvoiceStatus.draft))
    if draft is None:
        draft = Invoice(trainer_id=trainer_id, client_id=client.id, currency=trainer.currency,
                        status=InvoiceStatus.draft, version=0)
        db.session.add(draft)
        db.session.flush()
    total = draft.lines_sum_cents + plan.price_cents
    too_much = drafts.over_the_ceiling(total, draft.currency) if total > draft.total_cents else None
    if too_much:
        db.session.rollback()
        raise ServiceError(too_much, "plan_id")
    line = InvoiceLine(trainer_id=trainer_id, description=sale_description(plan), quantity=1,
                       unit_price_cents=plan.price_cents, plan_id=plan.id)
    draft.lines.append(line)
    draft.total_cents = max(total, 0)
    draft.version += 1  # a screen showing the draft as it was is now outdated
    db.session.flush()
    record_event(draft.id, trainer_id, actor, "added", line_id=line.id,
                 to_value=f"{line.description} · {format_cents(plan.price_cents, draft.currency)}")
    db.session.commit()
    stripe_sync.after_draft_change([draft.id])
    return draft


def sale_description(plan: Plan) -> str:
    if plan.valid_days is None:
        valid = "no expiry"
    elif plan.valid_from == ValidFrom.first_use:
        valid = f"valid {plan.valid_days} days from first session"
    else:
        valid = f"valid {plan.valid_days} days"
    return f"{plan.name} · {plan.sessions_total} sessions · {valid}"[:200]


# The sale invoice's life: finalized, paid, voided --------------------------------------------------------

def on_invoices_finalized(invoice_ids: list[int]) -> None:
    """Makes one lot per pack line of the invoices just finalized (the unique line makes a second call
    a no-op). Part of the caller's transaction."""
    rows = db.session.execute(
        select(InvoiceLine, Invoice, Plan).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .join(Plan, Plan.id == InvoiceLine.plan_id)
        .where(InvoiceLine.invoice_id.in_(invoice_ids), InvoiceLine.removed_at.is_(None),
               ~exists().where(CreditLot.invoice_line_id == InvoiceLine.id))).all()
    now = utcnow()
    for line, invoice, plan in rows:
        trainer = db.session.get(Trainer, invoice.trainer_id)
        usable = trainer.credits_usable_on == "sale" or invoice.status == InvoiceStatus.paid
        expires_on = None
        if plan.valid_days is not None and plan.valid_from == ValidFrom.sale:
            expires_on = local_today(trainer.timezone) + timedelta(days=plan.valid_days)
        db.session.add(CreditLot(
            trainer_id=invoice.trainer_id, client_id=invoice.client_id, plan_id=plan.id, invoice_id=invoice.id,
            invoice_line_id=line.id, name=plan.name, sessions_total=plan.sessions_total * line.quantity,
            price_cents=line.amount_cents, valid_days=plan.valid_days, valid_from=plan.valid_from,
            expires_on=expires_on, usable_from=now if usable else None))
    db.session.flush()


def on_invoice_paid(invoice_id: int) -> None:
    """Lots waiting for this invoice's payment become usable, and so do membership credits held while the
    client was past due on auto-pay, once nothing of hers is past due. Part of the caller's transaction."""
    db.session.execute(update(CreditLot).where(CreditLot.invoice_id == invoice_id,
                                               CreditLot.usable_from.is_(None), CreditLot.voided_at.is_(None))
                       .values(usable_from=utcnow()).execution_options(synchronize_session=False))
    invoice = db.session.get(Invoice, invoice_id)
    held = (CreditLot.client_id == invoice.client_id) & CreditLot.membership_id.is_not(None) \
        & CreditLot.usable_from.is_(None) & CreditLot.voided_at.is_(None)
    if db.session.scalar(select(CreditLot.id).where(held).limit(1)) is None:
        return
    if not autopay_overview.is_past_due(invoice.client_id):
        db.session.execute(update(CreditLot).where(held).values(usable_from=utcnow())
                           .execution_options(synchronize_session=False))


def on_invoice_unpaid(invoice_id: int) -> None:
    """The invoice is no longer paid (a payment deleted or refunded): under "usable once paid", the packs
    it sold wait for the payment again. Credits already used stay used (those sessions happened); the rest
    cover nothing until the invoice is paid again. Part of the caller's transaction."""
    invoice = db.session.get(Invoice, invoice_id)
    if db.session.get(Trainer, invoice.trainer_id).credits_usable_on != "payment":
        return
    db.session.execute(update(CreditLot).where(CreditLot.invoice_id == invoice_id, CreditLot.membership_id.is_(None),
                                               CreditLot.usable_from.is_not(None), CreditLot.voided_at.is_(None))
                       .values(usable_from=None).execution_options(synchronize_session=False))


def on_invoice_voided(invoice_id: int) -> None:
    """The packs this invoice sold are voided with it; one that already covered sessions refuses the void.
    A membership cycle's sessions are not: the cycle goes back to the draft with its line (redraft)."""
    lots = list(db.session.scalars(select(CreditLot).where(CreditLot.invoice_id == invoice_id,
                                                           CreditLot.membership_id.is_(None),
                                                           CreditLot.voided_at.is_(None))))
    used = [lot for lot in lots if lot.uses]
    if used:
        db.session.rollback()
        names = ", ".join(f"{lot.name} ({lot.sessions_used} used)" for lot in used)
        raise ServiceError(f"This invoice sold a pack that has already covered sessions: {names}. "
                           "Edit or cancel those sessions first, or keep the invoice.", "reason")
    for lot in lots:
        lot.voided_at = utcnow()


# Taking and giving back credits -------------------------------------------------------------------------

def takes_a_credit(session: TrainingSession, trainer: Trainer) -> bool:
    if session.invoice_id is not None or not session.is_billable:
        return False
    return session.status == SessionStatus.completed or trainer.no_show_uses == "credit"


def usable_lots_sql(client_id: int, today: date, on_day: date, now):
    """The client's lots a session on `on_day` can take a credit from today: usable, not voided, not
    expired today, not expired on the session's day, and (a membership cycle's) begun by then."""
    return select(CreditLot).where(
        CreditLot.client_id == client_id, CreditLot.voided_at.is_(None), CreditLot.usable_from.is_not(None),
        CreditLot.usable_from <= now, or_(CreditLot.starts_on.is_(None), CreditLot.starts_on <= on_day),
        or_(CreditLot.expires_on.is_(None), (CreditLot.expires_on >= today) & (CreditLot.expires_on >= on_day)))


def cover_session(session: TrainingSession, trainer: Trainer) -> CreditUse | None:
    """Takes one credit for the session from the lot that expires first (no expiry last), if it should
    take one and a lot has one left. The lots are locked (FOR UPDATE) so that two sessions taking the
    last credit at once cannot both have it. Part of the caller's transaction."""
    if not takes_a_credit(session, trainer):
        return None
    if db.session.scalar(select(CreditUse.id).where(CreditUse.session_id == session.id)) is not None:
        return None
    today, on_day = local_today(trainer.timezone), to_local(session.starts_at, trainer.timezone).date()
    lots = list(db.session.scalars(usable_lots_sql(session.client_id, today, on_day, utcnow())
                                   .order_by(CreditLot.id).with_for_update()))
    if not lots:
        return None
    used = dict(db.session.execute(select(CreditUse.lot_id, func.count()).where(
        CreditUse.lot_id.in_([lot.id for lot in lots])).group_by(CreditUse.lot_id)).all())
    open_lots = [lot for lot in lots if used.get(lot.id, 0) < lot.sessions_total]
    if not open_lots:
        return None
    lot = min(open_lots, key=lambda lot: (lot.expires_on is None, lot.expires_on or date.max, lot.id))
    if lot.expires_on is None and lot.valid_days is not None:  # valid from first use: it starts now
        lot.expires_on = on_day + timedelta(days=lot.valid_days)
    use = CreditUse(trainer_id=trainer.id, lot_id=lot.id, session_id=session.id)
    db.session.add(use)
    db.session.flush()
    return use


def release_session(session_id: int) -> None:
    """Gives the session's credit back to its lot. A lot valid from first use that is left unused
    starts its days again at its next first use. Part of the caller's transaction."""
    lot_id = db.session.scalar(select(CreditUse.lot_id).where(CreditUse.session_id == session_id))
    if lot_id is None:
        return
    db.session.execute(delete(CreditUse).where(CreditUse.session_id == session_id))
    lot = db.session.get(CreditLot, lot_id)
    db.session.expire(lot, ["uses"])
    if lot.valid_from == ValidFrom.first_use and not lot.uses:
        lot.expires_on = None


def recheck_session(session: TrainingSession) -> CreditUse | None:
    """After a session was logged or changed: gives back any credit it held and takes one again if it
    (still) should. Part of the caller's transaction."""
    db.session.flush()
    release_session(session.id)
    return cover_session(session, db.session.get(Trainer, session.trainer_id))


def cover_started_sessions(trainer_id: int) -> int:
    """Covers billable sessions that took no credit when logged (logged ahead of time, or logged before
    the pack was usable) for clients with a usable lot. Commits when it covered any."""
    now = utcnow()
    with_lots = select(CreditLot.client_id).where(
        CreditLot.trainer_id == trainer_id, CreditLot.voided_at.is_(None), CreditLot.usable_from <= now)
    waiting = list(db.session.scalars(select(TrainingSession).where(
        TrainingSession.trainer_id == trainer_id, TrainingSession.invoice_id.is_(None),
        TrainingSession.is_billable, TrainingSession.client_id.in_(with_lots),
        ~exists().where(CreditUse.session_id == TrainingSession.id)).order_by(TrainingSession.starts_at)))
    if not waiting:
        return 0
    trainer = db.session.get(Trainer, trainer_id)
    today = local_today(trainer.timezone)
    # Only sessions a lot could cover by its dates are tried (one query for the lots): a member's
    # sessions from before the cycle began are not looked at one by one.
    spans = {}
    for client_id, starts_on, expires_on in db.session.execute(
            select(CreditLot.client_id, CreditLot.starts_on, CreditLot.expires_on).where(
                CreditLot.client_id.in_({s.client_id for s in waiting}), CreditLot.voided_at.is_(None),
                CreditLot.usable_from <= now)):
        spans.setdefault(client_id, []).append((starts_on, expires_on))

    def could_fit(session) -> bool:
        day = to_local(session.starts_at, trainer.timezone).date()
        return any((start is None or start <= day) and (end is None or end >= max(day, today))
                   for start, end in spans.get(session.client_id, []))

    covered = sum(1 for session in waiting if could_fit(session) and cover_session(session, trainer) is not None)
    db.session.commit()
    return covered


# What is shown -----------------------------------------------------------------------------------------

def pack_names_of(session_ids: list[int]) -> dict[int, str]:
    """{session id: name of the pack it took a credit from}, for the sessions that took one."""
    if not session_ids:
        return {}
    return dict(db.session.execute(select(CreditUse.session_id, CreditLot.name).join(
        CreditLot, CreditLot.id == CreditUse.lot_id).where(CreditUse.session_id.in_(session_ids))).all())


def coverage_for(session_ids: list[int]) -> dict[int, str]:
    """{session id: its draft line's wording} for the covered ones, e.g.
    "Covered by 10-pack · 3 left · expires Mar 3", the sessions left counted after this one."""
    if not session_ids:
        return {}
    rows = db.session.execute(select(CreditUse.session_id, CreditUse.id, CreditLot).join(
        CreditLot, CreditLot.id == CreditUse.lot_id).where(CreditUse.session_id.in_(session_ids))).all()
    lot_ids = {lot.id for _, _, lot in rows}
    order = {}
    # Counted in the order the sessions were held, whatever the order they were logged in.
    for lot_id, use_id in db.session.execute(select(CreditUse.lot_id, CreditUse.id).join(
            TrainingSession, TrainingSession.id == CreditUse.session_id).where(
            CreditUse.lot_id.in_(lot_ids)).order_by(TrainingSession.starts_at, CreditUse.id)):
        order.setdefault(lot_id, []).append(use_id)
    texts = {}
    for session_id, use_id, lot in rows:
        left = lot.sessions_total - (order[lot.id].index(use_id) + 1)
        expiry = f"expires {short_date(lot.expires_on)}" if lot.expires_on else "no expiry"
        if is_unlimited(lot):
            texts[session_id] = f"{COVERED_PREFIX}{lot.name} · unlimited · until {short_date(lot.expires_on)}"[:200]
            continue
        texts[session_id] = f"{COVERED_PREFIX}{lot.name} · {left} left · {expiry}"[:200]
    return texts


def is_unlimited(lot: CreditLot) -> bool:
    """A membership cycle's lot of an unlimited plan (memberships.UNLIMITED_SESSIONS)."""
    return lot.membership_id is not None and lot.sessions_total >= UNLIMITED_SESSIONS


@dataclass
class PackBalance:
    lot: CreditLot
    client_name: str
    sessions_left: int
    state: str  # usable, awaiting payment, expired, used up, void

    @property
    def is_low(self) -> bool:
        return self.state == "usable" and self.sessions_left <= LOW_SESSIONS

    def expires_within(self, today: date, days: int = EXPIRING_DAYS) -> bool:
        return self.state == "usable" and self.lot.expires_on is not None and \
            self.lot.expires_on <= today + timedelta(days=days)


def _balance(lot: CreditLot, client_name: str, used: int, today: date) -> PackBalance:
    left = lot.sessions_total - used
    if lot.voided_at is not None:
        state = "void"
    elif lot.expires_on is not None and lot.expires_on < today:
        state = "expired"
    elif left <= 0:
        state = "used up"
    elif lot.usable_from is None:
        state = "awaiting payment"
    else:
        state = "usable"
    return PackBalance(lot, client_name, left, state)


def _uses_count():
    return select(func.count(CreditUse.id)).where(CreditUse.lot_id == CreditLot.id).correlate(CreditLot) \
        .scalar_subquery()


def _balances(today: date, *conditions) -> list[PackBalance]:
    """The lots matching `conditions`, each with its client's name and its sessions left, in one query."""
    rows = db.session.execute(select(CreditLot, Client.name, _uses_count())
                              .join(Client, Client.id == CreditLot.client_id).where(*conditions)
                              .order_by(CreditLot.id)).all()
    return [_balance(lot, name, used, today) for lot, name, used in rows]


def client_packs(trainer_id: int, client_id: int, today: date, include_past: bool = True) -> list[PackBalance]:
    """The client's packs, the ones in use first (by expiry), then the used-up, expired and void ones."""
    balances = _balances(today, CreditLot.trainer_id == trainer_id, CreditLot.client_id == client_id)
    if not include_past:
        balances = [b for b in balances if b.state in ("usable", "awaiting payment")]
    rank = {"usable": 0, "awaiting payment": 1, "used up": 2, "expired": 3, "void": 4}
    return sorted(balances, key=lambda b: (rank[b.state], b.lot.expires_on or date.max, b.lot.id))


def packs_needing_attention(trainer_id: int, today: date) -> list[PackBalance]:
    """Usable packs running low (2 sessions or fewer left) or expiring within 14 days, soonest first."""
    balances = _balances(today, CreditLot.trainer_id == trainer_id, CreditLot.voided_at.is_(None),
                         CreditLot.usable_from.is_not(None), CreditLot.membership_id.is_(None),
                         or_(CreditLot.expires_on.is_(None), CreditLot.expires_on >= today))
    wanted = [b for b in balances if b.is_low or b.expires_within(today)]
    return sorted(wanted, key=lambda b: (b.lot.expires_on or date.max, b.sessions_left))


def balance_text(b: PackBalance) -> str:
    """"7 of 10 sessions left, valid until Mar 3": how a balance reads to the client and the trainer."""
    if is_unlimited(b.lot):
        return f"unlimited sessions until {short_date(b.lot.expires_on)}"
    if b.lot.expires_on is not None:
        valid = f"valid until {short_date(b.lot.expires_on)}"
    elif b.lot.valid_days is not None:
        valid = f"valid {b.lot.valid_days} days from the first session"
    else:
        valid = "no expiry"
    return f"{b.sessions_left} of {b.lot.sessions_total} sessions left, {valid}"


def involves_a_pack(invoice: Invoice) -> bool:
    """Whether the invoice sells a pack or bills a session a pack covered, read from its lines."""
    return any(line.plan_id is not None or line.description.startswith(COVERED_PREFIX)
               for line in invoice.live_lines)


def invoice_packs(invoice: Invoice) -> list[PackBalance]:
    """The client's packs in use as of now, shown with an invoice that sells one or bills sessions one
    covered: on her page, in the text and the PDF. One query, and none for an invoice without packs."""
    if invoice.client_id is None or not involves_a_pack(invoice):  # a sample, or no pack on it
        return []
    owner = invoice.trainer
    return client_packs(invoice.trainer_id, invoice.client_id, local_today(owner.timezone), include_past=False)


def text_note(invoice: Invoice) -> str:
    """" 10-pack: 7 of 10 sessions left, valid until Mar 3." for the invoice text, or ""."""
    return "".join(f" {b.lot.name}: {balance_text(b)}." for b in invoice_packs(invoice)[:1])


def pdf_section(invoice: Invoice):
    """The PDF's Packs section (pdf_documents.LEDGER_SECTIONS), or None when the client has none in use."""
    from app.services.pdf_documents import Section  # the PDF module lists this function: import it late
    balances = invoice_packs(invoice)
    return Section("Packs", [(b.lot.name, balance_text(b)) for b in balances]) if balances else None


def why_not_covered(session: TrainingSession) -> str | None:
    """Why a session of a client with packs took no credit (an expired, used-up or unpaid pack), so the
    trainer is told it is billed at its rate; None when it took one or the client has no pack."""
    trainer = db.session.get(Trainer, session.trainer_id)
    if not takes_a_credit(session, trainer) or pack_names_of([session.id]):
        return None
    on_day = to_local(session.starts_at, trainer.timezone).date()
    balances = [b for b in client_packs(trainer.id, session.client_id, local_today(trainer.timezone))
                if b.state != "void"]
    if not balances:
        return None
    latest = balances[-1] if all(b.state != "usable" for b in balances) else \
        next(b for b in balances if b.state == "usable")
    lot = latest.lot
    if latest.state == "expired" or (lot.expires_on is not None and lot.expires_on < on_day):
        why = f"{lot.name} expired on {short_date(lot.expires_on)}"
    elif latest.state == "used up":
        why = f"{lot.name} has no sessions left"
    elif latest.state == "awaiting payment":
        why = f"{lot.name} can be used once its invoice is paid"
    else:
        return None
    return f"Not covered by a pack: {why}. This session is billed at {format_cents(session.rate_cents, trainer.currency)}."
