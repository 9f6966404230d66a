"""Sessions: the log the pages keep, through the same service (services/sessions.py)."""
from flask import g

from app.blueprints.api import bp
from app.blueprints.api.resources import calling, owned_or_404
from app.blueprints.api.responses import problems
from app.blueprints.api.schemas import page_example
from app.blueprints.api.schemas_work import NEW_SESSION_EXAMPLE, SESSION_CHANGE_EXAMPLE, SESSION_EXAMPLE, \
    SessionChange, SessionListArgs, SessionPage, SessionSchema, SessionUpdate
from app.models import TrainingSession
from app.services import clients, sessions
from app.services.api_lists import sessions_page


def _shown(session: TrainingSession) -> TrainingSession:
    session.outcome = sessions.outcome_of(session)
    return session


@bp.get("/sessions")
@problems(422)
@bp.arguments(SessionListArgs, location="query")
@bp.response(200, SessionPage, example=page_example(SESSION_EXAMPLE))
def list_sessions(args):
    """Her sessions by id; of one client, and from/to days in her time zone, when asked."""
    page = sessions_page(g.api_trainer_id, args["limit"], args.get("starting_after"), client_id=args.get("client_id"),
                         from_day=args.get("from_date"), to_day=args.get("to_date"))
    page.data = [_shown(s) for s in page.data]
    return page


@bp.get("/sessions/<int:session_id>")
@bp.response(200, SessionSchema, example=SESSION_EXAMPLE)
def get_session(session_id: int):
    return _shown(owned_or_404(TrainingSession, session_id))


def _values(args: dict, new_for_client: int | None = None) -> dict:
    """The service's values from the body; a new session's rate left out is the client's, as the session form
    fills it."""
    values = {k: v for k, v in args.items() if k not in ("outcome", "allow_overlap_with")}
    if "outcome" in args:
        values.update(sessions.outcome_values(args["outcome"]))
    if new_for_client is not None and values.get("rate_cents") is None:
        values["rate_cents"] = clients.rate_for(g.api_trainer_id, new_for_client, values["duration_minutes"])
    return values


@bp.post("/sessions")
@bp.arguments(SessionChange, example=NEW_SESSION_EXAMPLE)
@bp.response(200, SessionSchema, example=SESSION_EXAMPLE)
def create_session(args):
    """Logs a session, as the session form does: one that overlaps another of the client's is refused
    unless `allow_overlap_with` names that one."""
    return _shown(calling(sessions.log_session, g.api_trainer_id, allow_overlap_with=args.get("allow_overlap_with"),
                          **_values(args, args["client_id"])))


@bp.post("/sessions/<int:session_id>")
@bp.arguments(SessionUpdate(partial=True), example=SESSION_CHANGE_EXAMPLE)
@bp.response(200, SessionSchema, example=SESSION_EXAMPLE)
def update_session(args, session_id: int):
    """Changes the fields sent; a session on a sent invoice is refused, as on its page."""
    return _shown(calling(sessions.update_session, g.api_trainer_id, session_id, **_values(args)))


@bp.post("/sessions/<int:session_id>/cancel")
@bp.response(200, SessionSchema, example={**SESSION_EXAMPLE, "outcome": "cancelled"})
def cancel_session(session_id: int):
    """Cancels it: it will not be billed."""
    return _shown(calling(sessions.cancel_session, g.api_trainer_id, session_id))
