"""What the API's resources share: her row or a 404, a service's refusal as a 422 problem with the page's
words beside the field, and the name a change is recorded under. (Ids in the URL that are not hers are a 404
before the body is read: auth.require_own_ids.)"""
from flask import abort, g
from werkzeug.exceptions import UnprocessableEntity

from app.blueprints.api.etags import refuse_stale
from app.extensions import db
from app.services import ServiceError
from app.services.drafts import StaleDraft
from app.services.submit import ChangedMeanwhile
from app.tenancy import get_owned_or_404


def owned_or_404(model, obj_id: int):
    """Her row of `model` with this id, or a 404: what a GET of one resource answers."""
    return get_owned_or_404(model, g.api_trainer_id, obj_id)


def refuse(error: ServiceError, fields: dict | None = None):
    """Raises the service's refusal as a 422: beside its field (`fields` renames the page's form fields to
    the API's), or as the problem's detail when it belongs to no field."""
    exc = UnprocessableEntity()
    if error.field:
        exc.data = {"messages": {"json": {(fields or {}).get(error.field, error.field): [error.message]}}}
    else:
        exc.problem_detail = error.message
    raise exc


def calling(service, *args, fields: dict | None = None, **kwargs):
    """`service(*args, **kwargs)`, its refusal a 422, a draft changed since it was read a 412, and its
    LookupError a 404."""
    try:
        return service(*args, **kwargs)
    except (StaleDraft, ChangedMeanwhile) as e:
        db.session.rollback()
        refuse_stale(e.message)
    except ServiceError as e:
        db.session.rollback()
        refuse(e, fields)
    except LookupError:
        db.session.rollback()
        abort(404)


def api_actor() -> str:
    """Who history rows name for a change made with a token: its name, as the trainer called it."""
    return f"API · {g.api_token_name}"[:120]
