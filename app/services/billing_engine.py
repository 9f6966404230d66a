"""The billing engine: builds or refreshes a trainer's drafts, one per client, for a billing period.

It knows nothing of requests: the create page ("Bill now"), the scheduled billing job and
`flask bill TRAINER_EMAIL` all call `build_drafts`. Each kind of line has its source here:
today pay-as-you-go sessions (every billable session not yet invoiced, whatever its period, so
a period the clock missed is billed by the next run), and membership renewals for cycles starting
in the period (memberships.renew_memberships), each with the lot of its included sessions.

A fixed number of queries whatever the number of clients: one for the trainer, one for the
memberships due, one for the sessions, one for members' extra-session prices, two for the drafts
and their lines, and batched writes when something changed.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Invoice, InvoiceLine, InvoiceStatus, Membership, Plan, Trainer, TrainingSession
from app.models.membership import CANCELLED
from app.services import memberships, packs, stripe_sync
from app.services.drafts import load_drafts, refresh_totals
from app.timefmt import local_today, to_local


@dataclass(frozen=True)
class BillingPeriod:
    """Dates in the trainer's time zone, [start, end). None: on demand, no period."""
    start: date
    end: date


def build_drafts(trainer_id: int, period: BillingPeriod | None = None) -> list[Invoice]:
    """Brings each client's draft up to date with what is billable and returns all drafts."""
    for _attempt in range(3):
        try:
            return _build_once(trainer_id, period)
        except IntegrityError:
            # Another run created the same client's draft at the same moment; start again.
            db.session.rollback()
    raise RuntimeError("could not bring the drafts up to date")


def _session_pool(trainer_id: int) -> dict:
    """Pay-as-you-go: every billable session not yet invoiced, as plain rows (not ORM objects)."""
    return {s.id: s for s in db.session.execute(
        select(TrainingSession.id, TrainingSession.client_id, TrainingSession.starts_at,
               TrainingSession.duration_minutes, TrainingSession.rate_cents, TrainingSession.status)
        .where(TrainingSession.trainer_id == trainer_id, TrainingSession.invoice_id.is_(None),
               TrainingSession.is_billable)
        .order_by(TrainingSession.starts_at))}


def _session_description(session) -> str:
    return "Personal training" if session.status.value == "completed" else "Missed session (no-show)"


def _extra_session_prices(trainer_id: int) -> dict[int, tuple[int, date, date | None]]:
    """{client id: (extra-session price, first day, end)} for members whose plan prices sessions beyond
    those included: a session of theirs no credit covered is billed at it. One query."""
    return {client_id: (cents, started, ends) for client_id, cents, started, ends in db.session.execute(
        select(Membership.client_id, Plan.extra_session_cents, Membership.started_on, Membership.ends_on)
        .join(Plan, Plan.id == Membership.plan_id)
        .where(Membership.trainer_id == trainer_id, Plan.extra_session_cents.is_not(None),
               (Membership.status != CANCELLED) | Membership.ends_on.is_not(None)))}


def _line_row(session, invoice_id: int, trainer: Trainer, covered: str | None = None,
              extra: tuple | None = None) -> dict:
    """A session's line; one covered by a pack credit is a $0 line that says which pack and what is left;
    a member's session beyond those included is at the membership's extra-session price."""
    day = to_local(session.starts_at, trainer.timezone).date()
    price = session.rate_cents
    if extra is not None and extra[1] <= day and (extra[2] is None or day < extra[2]):
        price = extra[0]
    return {"invoice_id": invoice_id, "trainer_id": trainer.id, "session_id": session.id,
            "description": covered or _session_description(session),
            "service_date": day,
            "service_starts_at": session.starts_at, "duration_minutes": session.duration_minutes, "quantity": 1,
            "unit_price_cents": 0 if covered else price}


def _build_once(trainer_id: int, period: BillingPeriod | None) -> list[Invoice]:
    trainer = db.session.get(Trainer, trainer_id)
    # Memberships first, so that a cycle's sessions are covered by its lot: every cycle starting in the
    # period (on demand: starting today or before) not billed yet. Pay-as-you-go takes every billable
    # session not yet invoiced, whatever period it fell in.
    through = period.end - timedelta(days=1) if period is not None else local_today(trainer.timezone)
    memberships.renew_memberships(trainer_id, through)
    packs.cover_started_sessions(trainer_id)
    pool = _session_pool(trainer_id)
    covered = packs.coverage_for(list(pool))
    extra = _extra_session_prices(trainer_id)
    drafts = load_drafts(trainer_id)
    by_client = {d.client_id: d.id for d in drafts}
    on_draft = {(d.id, line.session_id) for d in drafts for line in d.lines if line.session_id}

    stale = [(d.id, line.id) for d in drafts for line in d.lines if line.session_id and (
        line.session_id not in pool or pool[line.session_id].client_id != d.client_id
        or (line.removed_at is None
            and (line.session_id in covered) != line.description.startswith(packs.COVERED_PREFIX)))]
    stale_lines = [line_id for _, line_id in stale]
    changed = {draft_id for draft_id, _ in stale}
    new_clients = sorted({s.client_id for s in pool.values() if s.client_id not in by_client})
    if not stale_lines and not new_clients and all(
            (by_client[s.client_id], s.id) in on_draft for s in pool.values()):
        return drafts  # nothing to do: three queries

    # Batched writes: a fixed number of statements whatever the number of clients.
    if stale_lines:  # cancelled, made free, moved to another client, or billed elsewhere
        db.session.execute(delete(InvoiceLine).where(InvoiceLine.id.in_(stale_lines)))
    if new_clients:
        created = db.session.execute(
            insert(Invoice).returning(Invoice.id, Invoice.client_id),
            [{"trainer_id": trainer_id, "client_id": cid, "currency": trainer.currency,
              "status": InvoiceStatus.draft, "version": 0} for cid in new_clients]).all()
        by_client.update({client_id: invoice_id for invoice_id, client_id in created})
    on_draft -= {(d.id, line.session_id) for d in drafts for line in d.lines if line.id in stale_lines}
    new_lines = [_line_row(session, by_client[session.client_id], trainer, covered.get(session.id),
                           extra.get(session.client_id))
                 for session in pool.values() if (by_client[session.client_id], session.id) not in on_draft]
    if new_lines:
        # RETURNING makes it one multi-row INSERT on PostgreSQL rather than one statement per line.
        db.session.execute(insert(InvoiceLine).returning(InvoiceLine.id), new_lines)
    changed |= {row["invoice_id"] for row in new_lines}
    if changed:
        refresh_totals(changed)
    db.session.commit()
    stripe_sync.after_draft_change(changed)
    db.session.expire_all()
    return load_drafts(trainer_id)
