"""Clients' memberships: started, changed mid-cycle, paused, resumed, cancelled, and renewed each cycle.

Billed in advance: a cycle's line goes on the client's draft when the cycle starts (the first one when the
membership starts), with a credit lot of its included sessions (a pack's CreditLot, expiring at the cycle's
end, plus the unused sessions rolled over up to the plan's limit). A cycle is a row unique per (membership,
cycle start), so it is billed once whatever bills it.

Proration is by days in the trainer's time zone, with app/proration.py's one rounding rule. Changing plan
on day d of an n-day cycle credits the unused part of the old price, part(old, n, d, n), never more than
what is left of what the cycle charged, and charges part(new, n, d, n) on the draft. Cancelling now credits
part(price, n, d, n) likewise; the days before today are the used part. Credits go through the ledger
(a credit issued, applied to open invoices, the rest credit on account), never as a negative line.

Rules chosen: a client has at most one membership that is not cancelled (a unique index), whatever the
plan; a change is to a plan on the same cycle (cadence and anchor day); "first cycle full" charges the
whole price of the cycle the start date falls in, "prorated" only its days from the start; a paused
membership bills nothing and credits nothing, and on resuming renews on its next anchor day.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.billing_cycles import MONTHLY, Cycle, cycle_containing, cycles_between
from app.extensions import db
from app.models import (Client, CreditLot, CreditUse, Invoice, InvoiceLine, InvoiceStatus, Membership,
                        MembershipCycle, Plan, PlanKind, Trainer, ValidFrom)
from app.models.membership import ACTIVE, CANCELLED, PAUSED
from app.models.types import utcnow
from app.money import format_cents
from app.proration import part
from app.services import ServiceError, autopay_overview, stripe_sync
from app.services.audit import record_event
from app.services.client_accounts import give_credit
from app.services.drafts import over_the_ceiling, refresh_totals
from app.tenancy import require_owned
from app.services.packs import UNLIMITED_SESSIONS
from app.timefmt import local_today

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)


def short_date(day: date) -> str:
    return f"{day:%b} {day.day}"


def period_text(start: date, end: date) -> str:
    """"Dec 1 – Dec 31" for the cycle [start, end)."""
    return f"{short_date(start)} – {short_date(end - timedelta(days=1))}"


def anchor_for(plan: Plan, start_on: date) -> date:
    """Weekly cycles count from the start date; monthly ones only use the anchor's day of the month (a
    January date holds every day up to the 31st)."""
    return date(2000, 1, plan.anchor_day) if plan.cadence == MONTHLY else start_on


def cycle_on(membership: Membership, plan: Plan, day: date) -> Cycle:
    return cycle_containing(plan.cadence, membership.anchor_on, day)


def _membership_plan(trainer_id: int, plan_id: int) -> Plan:
    plan = require_owned(Plan, trainer_id, plan_id)  # another trainer's plan: LookupError, a 404
    if plan.kind != PlanKind.membership:
        raise ServiceError(f"{plan.name} is a pack: sell it instead.", "plan_id")
    if plan.is_archived:
        raise ServiceError(f"{plan.name} is archived: choose a plan still offered.", "plan_id")
    return plan


def _today(trainer_id: int) -> date:
    return local_today(db.session.get(Trainer, trainer_id).timezone)


# The draft lines and lots --------------------------------------------------------------------------------

def _draft_of(trainer: Trainer, client_id: int) -> Invoice:
    draft = db.session.scalar(select(Invoice).where(Invoice.trainer_id == trainer.id, Invoice.client_id == client_id,
                                                    Invoice.status == InvoiceStatus.draft))
    if draft is None:
        draft = Invoice(trainer_id=trainer.id, client_id=client_id, currency=trainer.currency,
                        status=InvoiceStatus.draft, version=0)
        db.session.add(draft)
        db.session.flush()
    return draft


def _charge(trainer: Trainer, client_id: int, description: str, cents: int, actor: str) -> InvoiceLine:
    draft = _draft_of(trainer, client_id)
    too_much = over_the_ceiling(draft.lines_sum_cents + cents, draft.currency)
    if too_much:
        db.session.rollback()
        raise ServiceError(too_much, "plan_id")
    line = InvoiceLine(trainer_id=trainer.id, description=description[:200], quantity=1, unit_price_cents=cents)
    draft.lines.append(line)
    db.session.flush()
    refresh_totals({draft.id})
    record_event(draft.id, trainer.id, actor, "added", line_id=line.id,
                 to_value=f"{line.description} · {format_cents(cents, draft.currency)}")
    return line


def lot_sessions(plan: Plan, rollover: int = 0, days: int | None = None, of_days: int | None = None) -> int:
    """A cycle's sessions: the plan's included ones (a prorated first cycle's share of them, rounded half
    up) plus those rolled over; unlimited: more than a cycle can hold."""
    if plan.included_sessions is None:
        return UNLIMITED_SESSIONS
    included = plan.included_sessions
    if days is not None and of_days:
        included = part(included, of_days, of_days - days, of_days)
    return included + rollover


def _lot(membership: Membership, plan: Plan, cycle: Cycle, line: InvoiceLine, sessions: int,
         charged: int, starts_on: date | None = None) -> CreditLot | None:
    if sessions <= 0:
        return None
    lot = CreditLot(trainer_id=membership.trainer_id, client_id=membership.client_id, plan_id=plan.id,
                    invoice_id=line.invoice_id, invoice_line_id=line.id, membership_id=membership.id,
                    name=f"{plan.name} membership"[:100], sessions_total=sessions, price_cents=charged,
                    valid_days=None, valid_from=ValidFrom.sale, expires_on=cycle.end - timedelta(days=1),
                    starts_on=starts_on or cycle.start, usable_from=utcnow())
    db.session.add(lot)
    return lot


def renewal_description(plan: Plan, cycle: Cycle, start: date | None = None) -> str:
    """"Membership · Gold · Dec 1 – Dec 31", or from the start day when prorated."""
    if start is not None and start != cycle.start:
        return f"Membership · {plan.name} · {period_text(start, cycle.end)} (prorated)"
    return f"Membership · {plan.name} · {period_text(cycle.start, cycle.end)}"


# Starting -------------------------------------------------------------------------------------------------

def start_membership(trainer_id: int, client_id: int, plan_id: int, *, start_on: date | None,
                     prorate_first: bool, actor: str) -> Membership:
    """Starts the client's membership on `start_on` and bills its first cycle on the client's draft:
    the full price, or prorated from the start day."""
    client = require_owned(Client, trainer_id, client_id)
    plan = _membership_plan(trainer_id, plan_id)
    if start_on is None or not FIRST_DAY <= start_on <= LAST_DAY:
        raise ServiceError("Enter a start date between 1900 and 2100.", "start_on")
    if client.is_archived:
        raise ServiceError(f"{client.name} is archived. Restore them to start a membership.", "plan_id")
    if live_membership(trainer_id, client.id) is not None:
        raise ServiceError(f"{client.name} already has a membership: change its plan instead.", "plan_id")
    # A membership cancelled at its cycle's end is billed to that end: a new one starts after it, or the
    # days in between would be billed twice.
    runs_until = db.session.scalar(select(func.max(Membership.ends_on)).where(
        Membership.trainer_id == trainer_id, Membership.client_id == client.id))
    if runs_until is not None and start_on < runs_until:
        last_day = runs_until - timedelta(days=1)
        raise ServiceError(f"{client.name}'s cancelled membership runs until {last_day:%b} {last_day.day}: "
                           f"start the new one on {runs_until:%b} {runs_until.day} or later.", "start_on")
    trainer = db.session.get(Trainer, trainer_id)
    membership = Membership(trainer_id=trainer_id, client_id=client.id, plan_id=plan.id, status=ACTIVE,
                            anchor_on=anchor_for(plan, start_on), started_on=start_on)
    db.session.add(membership)
    try:
        db.session.flush()
    except IntegrityError:  # another request started one at the same moment
        db.session.rollback()
        raise ServiceError(f"{client.name} already has a membership: change its plan instead.", "plan_id")
    cycle = cycle_on(membership, plan, start_on)
    charged = part(plan.price_cents, cycle.days, cycle.offset(start_on), cycle.days) if prorate_first \
        else plan.price_cents
    sessions = lot_sessions(plan, 0, cycle.days - cycle.offset(start_on), cycle.days) if prorate_first \
        else lot_sessions(plan)
    line = _charge(trainer, client.id, renewal_description(plan, cycle, start_on if prorate_first else None),
                   charged, actor)
    db.session.add(MembershipCycle(trainer_id=trainer_id, membership_id=membership.id, plan_id=plan.id,
                                   cycle_start=cycle.start, cycle_end=cycle.end, price_cents=plan.price_cents,
                                   charged_cents=charged, credited_cents=0, invoice_id=line.invoice_id,
                                   invoice_line_id=line.id))
    _lot(membership, plan, cycle, line, sessions, charged, start_on if prorate_first else None)
    membership.next_renewal_on = cycle.end
    draft_id = line.invoice_id
    db.session.commit()
    stripe_sync.after_draft_change([draft_id])
    return membership


def live_membership(trainer_id: int, client_id: int) -> Membership | None:
    """The client's membership that is not cancelled, if any."""
    return db.session.scalar(select(Membership).where(Membership.trainer_id == trainer_id,
                                                      Membership.client_id == client_id,
                                                      Membership.status != CANCELLED))


def _current_cycle(membership: Membership, day: date) -> MembershipCycle | None:
    """The billed cycle `day` falls in."""
    return db.session.scalar(select(MembershipCycle).where(
        MembershipCycle.membership_id == membership.id, MembershipCycle.cycle_start <= day,
        MembershipCycle.cycle_end > day).with_for_update())


def _credit_back(membership: Membership, row: MembershipCycle, cents: int, reason: str, today: date,
                 actor: str) -> int:
    """Credits up to `cents` of the cycle, never more than what is left of what it charged."""
    cents = _creditable(row, cents)
    if cents > 0:
        row.credited_cents += cents
        give_credit(membership.trainer_id, membership.client_id, actor, amount_cents=cents, reason=reason,
                    on_day=today)
    return cents


def _creditable(row: MembershipCycle, cents: int) -> int:
    return max(min(cents, row.charged_cents - row.credited_cents), 0)


def _lot_of(row: MembershipCycle) -> CreditLot | None:
    if row.invoice_line_id is None:
        return None
    return db.session.scalar(select(CreditLot).where(CreditLot.invoice_line_id == row.invoice_line_id))


# Changing, pausing, cancelling -----------------------------------------------------------------------------

@dataclass
class Change:
    credited_cents: int
    charged_cents: int


def _checked_change(trainer_id: int, membership_id: int, plan_id: int) -> tuple[Membership, Plan]:
    """The membership and the plan it may move to, or the refusal."""
    membership = require_owned(Membership, trainer_id, membership_id)
    plan = _membership_plan(trainer_id, plan_id)
    old = membership.plan
    if membership.status == CANCELLED:
        raise ServiceError("This membership is cancelled: start a new one.", "plan_id")
    if plan.id == old.id:
        raise ServiceError(f"The membership is already on {plan.name}.", "plan_id")
    if (plan.cadence, plan.anchor_day) != (old.cadence, old.anchor_day):
        raise ServiceError(f"{plan.name} renews on another cycle: choose a plan that renews like {old.name}.",
                           "plan_id")
    return membership, plan


def _change_figures(membership: Membership, plan: Plan, today: date) -> tuple[MembershipCycle | None, int, int]:
    """The billed cycle a change from today falls in (None: paused, or not billed yet), the credit for the
    unused part of its old price and the charge for the rest of it at the new price."""
    row = _current_cycle(membership, today) if membership.status == ACTIVE else None
    if row is None:
        return None, 0, 0
    cycle = Cycle(row.cycle_start, row.cycle_end)
    d, n = cycle.offset(today), cycle.days
    return row, _creditable(row, part(row.price_cents, n, d, n)), part(plan.price_cents, n, d, n)


def preview_change(trainer_id: int, membership_id: int, plan_id: int, today: date | None = None) -> Change:
    """What change_plan would credit and charge today, changing nothing."""
    membership, plan = _checked_change(trainer_id, membership_id, plan_id)
    _, credit, charge = _change_figures(membership, plan, today or _today(trainer_id))
    db.session.rollback()  # lets go of the cycle's row lock
    return Change(credit, charge)


def change_plan(trainer_id: int, membership_id: int, plan_id: int, *, actor: str,
                today: date | None = None) -> Change:
    """Moves the membership to another plan from today: the unused part of the old price is credited and
    the rest of the cycle at the new price charged on the draft. Its sessions become the new plan's."""
    membership, plan = _checked_change(trainer_id, membership_id, plan_id)
    old = membership.plan
    today = today or _today(trainer_id)
    trainer = db.session.get(Trainer, trainer_id)
    row, credit, charge = _change_figures(membership, plan, today)
    membership.plan_id = plan.id
    if row is None:  # paused, or its cycle not billed yet: the new plan applies from the next renewal
        db.session.commit()
        return Change(0, 0)
    cycle = Cycle(row.cycle_start, row.cycle_end)
    reason = f"{old.name} → {plan.name}: unused {period_text(today, cycle.end)}"
    credited = _credit_back(membership, row, credit, reason, today, actor)
    line = None
    if charge > 0:
        line = _charge(trainer, membership.client_id,
                       f"Membership · {plan.name} · {period_text(today, cycle.end)} (changed from {old.name})",
                       charge, actor)
        row.charged_cents += charge
    row.plan_id, row.price_cents = plan.id, plan.price_cents
    lot = _lot_of(row)
    carried = 0
    if lot is not None and old.included_sessions is not None:
        carried = max(lot.sessions_total - old.included_sessions, 0)
    sessions = lot_sessions(plan, carried)
    if lot is not None:
        lot.sessions_total = max(sessions, lot.sessions_used, 1)
        lot.name = f"{plan.name} membership"[:100]
    elif line is not None:
        _lot(membership, plan, cycle, line, sessions, charge, today)
    draft_id = line.invoice_id if line is not None else None
    db.session.commit()
    stripe_sync.after_draft_change([draft_id])  # None (nothing charged) is left out
    return Change(credited, charge)


def pause_membership(trainer_id: int, membership_id: int, actor: str) -> Membership:
    """No renewals and no credits while paused; the cycle already billed stays as it is."""
    membership = require_owned(Membership, trainer_id, membership_id)
    if membership.status != ACTIVE:
        raise ServiceError("Only an active membership can be paused.", "status")
    membership.status, membership.paused_on = PAUSED, _today(trainer_id)
    db.session.commit()
    return membership


def resume_membership(trainer_id: int, membership_id: int, actor: str, today: date | None = None) -> Membership:
    """Renews again on its own anchor day: the next cycle start from today not billed yet."""
    membership = require_owned(Membership, trainer_id, membership_id)
    if membership.status != PAUSED:
        raise ServiceError("Only a paused membership can be resumed.", "status")
    today = today or _today(trainer_id)
    cycle = cycle_on(membership, membership.plan, today)
    next_start = cycle.start if cycle.start == today else cycle.end
    membership.next_renewal_on = max(next_start, membership.next_renewal_on or next_start)
    membership.status, membership.paused_on = ACTIVE, None
    db.session.commit()
    return membership


def cancel_membership(trainer_id: int, membership_id: int, *, now: bool, actor: str,
                      today: date | None = None) -> int:
    """At the cycle's end (nothing credited, no more renewals), or now: the rest of the cycle from today
    credited and its sessions no longer usable. Returns the credit."""
    membership = require_owned(Membership, trainer_id, membership_id)
    if membership.status == CANCELLED:
        raise ServiceError("This membership is already cancelled.", "status")
    today = today or _today(trainer_id)
    credited = 0
    row = _current_cycle(membership, today)
    if not now:
        membership.ends_on = row.cycle_end if row is not None else today
    else:
        if row is not None and membership.status == ACTIVE:
            cycle = Cycle(row.cycle_start, row.cycle_end)
            d, n = cycle.offset(today), cycle.days
            credited = _credit_back(membership, row, part(row.price_cents, n, d, n),
                                    f"{membership.plan.name} cancelled: unused {period_text(today, cycle.end)}",
                                    today, actor)
            lot = _lot_of(row)
            if lot is not None:
                lot.expires_on = today - timedelta(days=1)
        membership.ends_on = today
    membership.status, membership.next_renewal_on = CANCELLED, None
    db.session.commit()
    return credited


# Renewals ---------------------------------------------------------------------------------------------------

def renew_memberships(trainer_id: int, through: date) -> int:
    """Bills every cycle of the trainer's active memberships that starts on or before `through` and is not
    billed yet: a line on the client's draft and the cycle's lot. A fixed number of queries whatever the
    number of members (one when none is due). Commits; returns the cycles billed."""
    for _attempt in range(3):
        try:
            return _renew_once(trainer_id, through)
        except IntegrityError:  # another run billed one of these cycles at the same moment: read again
            db.session.rollback()
    raise RuntimeError("could not renew the memberships")


def _renew_once(trainer_id: int, through: date) -> int:
    due = db.session.execute(select(Membership, Plan).join(Plan, Plan.id == Membership.plan_id).where(
        Membership.trainer_id == trainer_id, Membership.status == ACTIVE,
        Membership.next_renewal_on.is_not(None), Membership.next_renewal_on <= through)).all()
    if not due:
        return 0
    trainer = db.session.get(Trainer, trainer_id)
    ids = [m.id for m, _ in due]
    # The sessions left on each membership's latest lot, for the rollover.
    latest = select(func.max(CreditLot.id)).where(CreditLot.membership_id.in_(ids)).group_by(CreditLot.membership_id)
    left = {mid: total - used for mid, total, used in db.session.execute(
        select(CreditLot.membership_id, CreditLot.sessions_total,
               select(func.count(CreditUse.id)).where(CreditUse.lot_id == CreditLot.id).correlate(CreditLot)
               .scalar_subquery()).where(CreditLot.id.in_(latest)))}
    drafts = dict(db.session.execute(select(Invoice.client_id, Invoice.id).where(
        Invoice.trainer_id == trainer_id, Invoice.status == InvoiceStatus.draft,
        Invoice.client_id.in_([m.client_id for m, _ in due]))).all())
    missing = sorted({m.client_id for m, _ in due} - set(drafts))
    if missing:
        drafts.update({client_id: invoice_id for invoice_id, client_id in db.session.execute(
            insert(Invoice).returning(Invoice.id, Invoice.client_id),
            [{"trainer_id": trainer_id, "client_id": cid, "currency": trainer.currency,
              "status": InvoiceStatus.draft, "version": 0} for cid in missing]).all()})
    billed, renewed = [], []
    for membership, plan in due:
        cycles = [c for c in cycles_between(plan.cadence, membership.anchor_on, membership.next_renewal_on, through)
                  if membership.ends_on is None or c.start < membership.ends_on]
        billed += [(membership, plan, cycle) for cycle in cycles]
        if cycles:
            renewed.append({"id": membership.id, "next_renewal_on": cycles[-1].end})
    if not billed:
        db.session.rollback()
        return 0
    # Batched writes: one statement a table, whatever the number of members.
    rows = [{"trainer_id": trainer_id, "invoice_id": drafts[m.client_id], "quantity": 1,
             "description": renewal_description(plan, cycle)[:200], "unit_price_cents": plan.price_cents}
            for m, plan, cycle in billed]
    # Matched back by (draft, wording): one client's draft names each of its cycles once.
    made = {(invoice_id, text): line_id for line_id, invoice_id, text in db.session.execute(
        insert(InvoiceLine).returning(InvoiceLine.id, InvoiceLine.invoice_id, InvoiceLine.description), rows)}
    line_ids = [made[(row["invoice_id"], row["description"])] for row in rows]
    db.session.execute(insert(MembershipCycle), [
        {"trainer_id": trainer_id, "membership_id": m.id, "plan_id": plan.id, "cycle_start": cycle.start,
         "cycle_end": cycle.end, "price_cents": plan.price_cents, "charged_cents": plan.price_cents,
         "credited_cents": 0, "invoice_id": drafts[m.client_id], "invoice_line_id": line_id}
        for (m, plan, cycle), line_id in zip(billed, line_ids)])
    lots, previous, now = [], {}, utcnow()
    held = autopay_overview.clients_with_credits_held(trainer)  # past due on auto-pay: granted once paid
    for (m, plan, cycle), line_id in zip(billed, line_ids):
        rollover = 0
        if plan.included_sessions is not None and plan.rollover_max:
            rollover = min(max(previous.get(m.id, left.get(m.id, 0)), 0), plan.rollover_max)
        sessions = lot_sessions(plan, rollover)
        previous[m.id] = sessions  # a later cycle billed in the same run: nothing used yet
        if sessions > 0:
            lots.append({"trainer_id": trainer_id, "client_id": m.client_id, "plan_id": plan.id,
                         "invoice_id": drafts[m.client_id], "invoice_line_id": line_id, "membership_id": m.id,
                         "name": f"{plan.name} membership"[:100], "sessions_total": sessions,
                         "price_cents": plan.price_cents, "valid_days": None, "valid_from": ValidFrom.sale,
                         "expires_on": cycle.end - timedelta(days=1), "starts_on": cycle.start,
                         "usable_from": None if m.client_id in held else now})
    if lots:
        db.session.execute(insert(CreditLot), lots)
    db.session.execute(update(Membership), renewed)
    changed = {drafts[m.client_id] for m, _, _ in billed}
    refresh_totals(changed)
    db.session.commit()
    stripe_sync.after_draft_change(changed)
    return len(billed)


def due_trainers_without_schedule(today_utc: date) -> list[int]:
    """Trainers with a renewal due by tomorrow (UTC: any time zone's today) who bill only on demand; the
    clock renews their memberships itself. One query."""
    from app.models import BillingSchedule
    return list(db.session.scalars(select(Membership.trainer_id).distinct().where(
        Membership.status == ACTIVE, Membership.next_renewal_on <= today_utc + timedelta(days=1),
        ~exists().where(BillingSchedule.trainer_id == Membership.trainer_id))))


def renew_for_unscheduled(today_utc: date) -> int:
    """The clock's part: renews, by each trainer's own calendar, what is due for trainers with no schedule."""
    billed = 0
    for trainer_id in due_trainers_without_schedule(today_utc):
        billed += renew_memberships(trainer_id, _today(trainer_id))
    return billed


# What is shown ----------------------------------------------------------------------------------------------

@dataclass
class MembershipView:
    membership: Membership
    plan: Plan
    status: str  # active, paused, cancelled, past due
    cycle: MembershipCycle | None
    next_renewal_on: date | None
    starts_on: date | None = None  # its first day, while that is still ahead

    @property
    def starts_text(self) -> str | None:
        return short_date(self.starts_on) if self.starts_on else None

    @property
    def cycle_text(self) -> str | None:
        return period_text(self.cycle.cycle_start, self.cycle.cycle_end) if self.cycle else None

    @property
    def next_renewal_text(self) -> str | None:
        return short_date(self.next_renewal_on) if self.next_renewal_on else None

    @property
    def last_day_text(self) -> str | None:
        ends = self.membership.ends_on
        return short_date(ends - timedelta(days=1)) if ends else None

    @property
    def paused_text(self) -> str | None:
        return short_date(self.membership.paused_on) if self.membership.paused_on else None


def status_of(membership: Membership, today: date) -> str:
    if membership.status == CANCELLED and (membership.ends_on is None or membership.ends_on <= today):
        return "cancelled"
    overdue = db.session.scalar(select(exists().where(
        MembershipCycle.membership_id == membership.id, Invoice.id == MembershipCycle.invoice_id,
        Invoice.status == InvoiceStatus.open, Invoice.due_date < today)))
    if overdue:
        return "past due"
    if membership.status == CANCELLED:
        return "cancelled"
    return membership.status


def client_membership(trainer_id: int, client_id: int) -> MembershipView | None:
    """The client's latest membership with its status and the cycle of today, for the client page."""
    membership = db.session.scalar(select(Membership).where(
        Membership.trainer_id == trainer_id, Membership.client_id == client_id)
        .order_by(Membership.status == CANCELLED, Membership.id.desc()).limit(1))
    if membership is None:
        return None
    today = _today(trainer_id)
    cycle = db.session.scalar(select(MembershipCycle).where(
        MembershipCycle.membership_id == membership.id, MembershipCycle.cycle_start <= today,
        MembershipCycle.cycle_end > today))
    return MembershipView(membership, membership.plan, status_of(membership, today), cycle,
                          membership.next_renewal_on if membership.status == ACTIVE else None,
                          membership.started_on if membership.started_on > today else None)


RENEWAL_PREFIX = "Membership · "


def _period_lines(invoice: Invoice) -> list[InvoiceLine]:
    """The invoice's membership period lines, read from its lines (already loaded with it: no query)."""
    return [line for line in invoice.live_lines
            if line.session_id is None and line.description.startswith(RENEWAL_PREFIX)]


def _period_text(line: InvoiceLine) -> str:
    """"Gold · Dec 1 – Dec 31"."""
    return line.description[len(RENEWAL_PREFIX):]


@dataclass
class InvoicePeriod:
    text: str  # "Gold · Dec 1 – Dec 31"
    sessions: int | None  # the sessions the period includes; None: unlimited, or none of its own


def invoice_membership_periods(invoice: Invoice) -> list[InvoicePeriod]:
    """Each membership period the invoice bills with the sessions it includes, for the client's invoice
    page. One query, none for an invoice without a membership line."""
    lines = _period_lines(invoice)
    if not lines:
        return []
    lots = dict(db.session.execute(select(CreditLot.invoice_line_id, CreditLot.sessions_total).where(
        CreditLot.invoice_line_id.in_([line.id for line in lines]))).all())
    return [InvoicePeriod(_period_text(line),
                          lots.get(line.id) if lots.get(line.id, 0) < UNLIMITED_SESSIONS else None)
            for line in lines]


def text_note(invoice: Invoice) -> str:
    """" Membership Gold, Dec 1-Dec 31." for the invoice text, or "" (plain characters: a "·" or "–"
    would make the whole text a costlier Unicode one)."""
    lines = _period_lines(invoice)
    return f" Membership {_period_text(lines[0]).replace(' · ', ', ').replace(' – ', '-')}." if lines else ""
