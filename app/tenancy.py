"""Every read of a trainer's data goes through here, so a row of another trainer is never found."""
from typing import TypeVar

from flask import abort
from sqlalchemy import Select, select

from app.extensions import db

M = TypeVar("M")
MAX_ROW_ID = 2**31 - 1  # the largest id a PostgreSQL integer column holds


def is_row_id(value) -> bool:
    """Whether `value` could be the id of a row: a larger number is no row (and overflows SQLite's driver)."""
    return isinstance(value, int) and 0 < value <= MAX_ROW_ID


def owned(model: type[M], trainer_id: int) -> Select:
    """`SELECT model WHERE trainer_id = :trainer_id`, the start of every tenant query."""
    return select(model).where(model.trainer_id == trainer_id)


def find_owned(model: type[M], trainer_id: int, obj_id: int) -> M | None:
    if not is_row_id(obj_id):
        return None
    return db.session.scalar(owned(model, trainer_id).where(model.id == obj_id))


def require_owned(model: type[M], trainer_id: int, obj_id: int) -> M:
    """For services: the trainer's own row, or LookupError (which the routes answer with a 404)."""
    obj = find_owned(model, trainer_id, obj_id)
    if obj is None:
        raise LookupError(f"{model.__name__} {obj_id}")
    return obj


def get_owned_or_404(model: type[M], trainer_id: int, obj_id: int) -> M:
    """Another trainer's row is a 404, never a 403: its existence is not ours to reveal."""
    obj = find_owned(model, trainer_id, obj_id)
    if obj is None:
        abort(404)
    return obj
