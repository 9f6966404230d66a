"""The session log: what the trainer held, when, and at what rate."""
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Client, CreditUse, Invoice, InvoiceLine, InvoiceStatus, SessionStatus, TrainingSession
from app.services import ServiceError, form_keys, packs
from app.services.invoice_numbers import invoice_label
from app.tenancy import find_owned, owned

SESSION_FIELDS = ("client_id", "starts_at", "duration_minutes", "rate_cents", "status",
                  "no_show_chargeable", "notes")
LOCKED_MESSAGE = ("This session is on invoice {number}; void that invoice first if it needs to change.")
ARCHIVED_MESSAGE = "{name} is archived. Restore them to log a session."
NO_RATE_MESSAGE = "Enter the rate: neither this client nor your profile has one yet."
MAX_NOTES = 500
# No session lasts longer: only sessions starting this long before a new one can overlap it.
LONGEST_SESSION = timedelta(days=1)


# What the trainer picks as a session's outcome, and the status it stands for.
OUTCOMES = ("completed", "no_show_charge", "no_show_free")
CANCELLED = "cancelled"


def outcome_values(outcome: str) -> dict:
    """The status (and no-show charge) an outcome stands for."""
    if outcome == CANCELLED:
        return {"status": SessionStatus.cancelled}
    return {"status": SessionStatus.completed if outcome == "completed" else SessionStatus.no_show,
            "no_show_chargeable": outcome != "no_show_free"}


def outcome_of(session: TrainingSession) -> str:
    if session.status == SessionStatus.cancelled:
        return CANCELLED
    if session.status == SessionStatus.no_show:
        return "no_show_charge" if session.no_show_chargeable else "no_show_free"
    return "completed"


class SessionLocked(ServiceError):
    """The session is on a finalized invoice: only its notes can change."""


class OverlapError(ServiceError):
    """The client already has a session at that time: logged again by mistake, or on purpose."""

    def __init__(self, other: TrainingSession):
        super().__init__("This client already has a session at that time.")
        self.other = other


def _check_client(trainer_id: int, client_id: int, allow_archived: bool = False) -> Client:
    client = find_owned(Client, trainer_id, client_id)
    if client is None:
        raise ServiceError("Pick one of your clients.", "client_id")
    if client.is_archived and not allow_archived:
        raise ServiceError(ARCHIVED_MESSAGE.format(name=client.name), "client_id")
    return client


def log_session(trainer_id: int, form_key: str | None = None, *, allow_overlap_with: int | None = None,
                **values) -> TrainingSession:
    """Logs a session held (or missed). The same form posted again (its `form_key`) logs nothing more
    and returns the session the first post logged. One that overlaps another session of the same
    client is refused (OverlapError) unless that other session is the one the trainer said yes to,
    `allow_overlap_with`."""
    _check_client(trainer_id, values["client_id"])
    _check_rate(values)
    for other in _overlapping(trainer_id, values["client_id"], values["starts_at"],
                              values.get("duration_minutes") or 60):
        if other.id != allow_overlap_with:
            # A second tap of the same form "overlaps" the session its first tap logged: that one is the answer.
            earlier = form_keys.made_before(TrainingSession, trainer_id, form_key)
            if earlier is not None:
                return earlier
            raise OverlapError(other)
    session = TrainingSession(trainer_id=trainer_id, **{k: values[k] for k in SESSION_FIELDS if k in values})
    db.session.add(session)
    packs.recheck_session(session)
    return form_keys.commit_once(trainer_id, form_key, session)[0]


def _check_rate(values: dict) -> None:
    if "rate_cents" in values and values["rate_cents"] is None:
        raise ServiceError(NO_RATE_MESSAGE, "rate_cents")


def _overlapping(trainer_id: int, client_id: int, starts_at: datetime, minutes: int) -> list[TrainingSession]:
    """The client's sessions (not cancelled) whose time overlaps starts_at + minutes."""
    ends_at = starts_at + timedelta(minutes=minutes)
    nearby = db.session.scalars(owned(TrainingSession, trainer_id).where(
        TrainingSession.client_id == client_id, TrainingSession.status != SessionStatus.cancelled,
        TrainingSession.starts_at < ends_at, TrainingSession.starts_at > starts_at - LONGEST_SESSION)
        .order_by(TrainingSession.starts_at))
    return [s for s in nearby if s.ends_at > starts_at]


def _editable(trainer_id: int, session_id: int) -> TrainingSession:
    session = find_owned(TrainingSession, trainer_id, session_id)
    if session is None:
        raise ServiceError("That session is not in your log.")
    if session.is_invoiced:
        raise SessionLocked(LOCKED_MESSAGE.format(number=invoice_label(session.invoice_id)))
    return session


def update_session(trainer_id: int, session_id: int, **values) -> TrainingSession:
    session = _editable(trainer_id, session_id)
    if "client_id" in values:  # an archived client's own sessions can still be corrected
        _check_client(trainer_id, values["client_id"], allow_archived=values["client_id"] == session.client_id)
    _check_rate(values)
    for key in SESSION_FIELDS:
        if key in values:
            setattr(session, key, values[key])
    packs.recheck_session(session)
    db.session.commit()
    return session


def update_notes(trainer_id: int, session_id: int, notes: str) -> TrainingSession:
    """The trainer's private notes (no client sees them) stay editable, on an invoiced session too."""
    session = find_owned(TrainingSession, trainer_id, session_id)
    if session is None:
        raise ServiceError("That session is not in your log.")
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise ServiceError(f"Keep notes to {MAX_NOTES} characters.", "notes")
    session.notes = notes
    db.session.commit()
    return session


def cancel_session(trainer_id: int, session_id: int) -> TrainingSession:
    session = _editable(trainer_id, session_id)
    session.status = SessionStatus.cancelled
    packs.release_session(session.id)
    db.session.commit()
    return session


def delete_session(trainer_id: int, session_id: int) -> None:
    session = _editable(trainer_id, session_id)
    packs.release_session(session.id)
    db.session.delete(session)
    db.session.commit()


def list_between(trainer_id: int, start: datetime, end: datetime) -> list[TrainingSession]:
    stmt = owned(TrainingSession, trainer_id).where(
        TrainingSession.starts_at >= start, TrainingSession.starts_at < end
    ).order_by(TrainingSession.starts_at)
    return with_billed_lines(trainer_id, list(db.session.scalars(stmt)))


def list_for_client(trainer_id: int, client_id: int, limit: int = 50) -> list[TrainingSession]:
    stmt = owned(TrainingSession, trainer_id).where(TrainingSession.client_id == client_id) \
        .order_by(TrainingSession.starts_at.desc()).limit(limit)
    return with_billed_lines(trainer_id, list(db.session.scalars(stmt)))


def with_billed_lines(trainer_id: int, sessions: list[TrainingSession]) -> list[TrainingSession]:
    """Sets each session's `billed_line`: its line on an invoice or a draft, in one query. The line
    says what is billed, which a repriced or complimentary line makes differ from the logged rate."""
    by_id = {s.id: s for s in sessions}
    if by_id:
        lines = db.session.scalars(select(InvoiceLine).join(Invoice, Invoice.id == InvoiceLine.invoice_id).where(
            InvoiceLine.trainer_id == trainer_id, InvoiceLine.session_id.in_(list(by_id)),
            InvoiceLine.removed_at.is_(None), Invoice.status != InvoiceStatus.void))
        for line in lines:
            by_id[line.session_id].billed_line = line
        for session_id, pack_name in packs.pack_names_of(list(by_id)).items():
            by_id[session_id].covered_by = pack_name
    return sessions


def uninvoiced_summary(trainer_id: int) -> tuple[int, int]:
    """(count, value in cents) of held, billable sessions not yet on an invoice; one a pack covers is worth $0."""
    value = case((CreditUse.id.is_not(None), 0), else_=TrainingSession.rate_cents)
    row = db.session.execute(
        select(func.count(TrainingSession.id), func.coalesce(func.sum(value), 0))
        .outerjoin(CreditUse, CreditUse.session_id == TrainingSession.id)
        .where(TrainingSession.trainer_id == trainer_id, TrainingSession.invoice_id.is_(None),
               TrainingSession.is_billable)
    ).one()
    return int(row[0]), int(row[1])
