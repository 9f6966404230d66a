"""One-time form keys. A form is rendered with a fresh key, and the post that makes something stores
the key, with what it made, in the same transaction. The same form posted again (a double tap, a
retry on a slow connection, the back button) trips the UNIQUE constraint, is rolled back, and gets
what the first post made. A post without a key (a page loaded before keys existed) is served as
before, with no such promise. Keys are kept `FORM_KEY_DAYS` days (a form left open longer than that
and sent again is taken as a new post), then the daily clean-up deletes them.
"""
import secrets
from datetime import timedelta
from typing import TypeVar

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import FormKey
from app.models.types import utcnow
from app.services import ServiceError

M = TypeVar("M")
MAX_LENGTH = 64
GONE = "This form was already sent, and what it saved has been deleted since."
REMOVE_BATCH = 1000


def new_key() -> str:
    return secrets.token_urlsafe(16)


def commit_once(trainer_id: int, key: str | None, made: M) -> tuple[M, bool]:
    """Commits the current transaction, which made `made`, under the form's key: `(made, True)`. If
    an earlier post of the same form got there first, this one is rolled back and the answer is
    `(what that post made, False)`."""
    key = (key or "")[:MAX_LENGTH]
    try:
        if key:
            db.session.flush()  # `made` gets its id
            db.session.add(FormKey(trainer_id=trainer_id, made_table=made.__tablename__, key=key, made_id=made.id))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        earlier = _made_before(type(made), trainer_id, key) if key else None
        if earlier is None:
            raise
        return earlier, False
    return made, True


def made_before(model: type[M], trainer_id: int, key: str | None) -> M | None:
    """What an earlier post of the same form made, if one did: for a service whose checks would
    otherwise refuse the repeat (a session "overlapping" the one its first post logged)."""
    key = (key or "")[:MAX_LENGTH]
    return _made_before(model, trainer_id, key) if key else None


def _made_before(model: type[M], trainer_id: int, key: str) -> M | None:
    made_id = db.session.scalar(select(FormKey.made_id).where(
        FormKey.trainer_id == trainer_id, FormKey.made_table == model.__tablename__, FormKey.key == key))
    if made_id is None:
        return None
    made = db.session.get(model, made_id)
    if made is None:
        raise ServiceError(GONE)
    return made


def remove_old_keys(batch_size: int = REMOVE_BATCH) -> int:
    """Deletes the keys older than `FORM_KEY_DAYS`, `batch_size` at a time, each batch in a commit of its
    own (short locks, however many have built up). Returns how many went."""
    cutoff = utcnow() - timedelta(days=current_app.config["FORM_KEY_DAYS"])
    removed = 0
    while True:
        ids = list(db.session.scalars(select(FormKey.id).where(FormKey.created_at < cutoff)
                                      .order_by(FormKey.id).limit(batch_size)))
        if ids:
            db.session.execute(delete(FormKey).where(FormKey.id.in_(ids)))
        db.session.commit()
        removed += len(ids)
        if len(ids) < batch_size:
            return removed
