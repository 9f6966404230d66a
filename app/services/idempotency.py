"""Idempotency keys for the API's POSTs: the first request with a key runs, a retry with the same key and
the same request gets the stored answer for 24 hours, anything else with that key is refused.

The key is claimed in a commit of its own before the work starts, so the database's unique (token, key)
constraint decides which of two racing requests runs; the loser sees the claim and is told to wait."""
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import IdempotencyKey
from app.models.types import utcnow

KEPT_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")

NEW, REPLAY, RUNNING, MISMATCH = "new", "replay", "running", "mismatch"


@dataclass
class Claim:
    outcome: str  # NEW: go ahead; REPLAY: answer `row`; RUNNING: 409; MISMATCH: 422
    row: IdempotencyKey | None = None


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method.upper()} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def claim_key(token_id: int, key: str, fingerprint: str) -> Claim:
    """Claims `key` for this request, or says why it cannot run: a stored answer, or another request."""
    db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.token_id == token_id, IdempotencyKey.key == key,
        IdempotencyKey.created_at < utcnow() - KEPT_FOR))  # an expired key may be used again
    row = IdempotencyKey(token_id=token_id, key=key, request_sha256=fingerprint)
    db.session.add(row)
    try:
        db.session.commit()
        return Claim(NEW, row)
    except IntegrityError:
        db.session.rollback()
    earlier = db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.token_id == token_id, IdempotencyKey.key == key))
    if earlier is None:  # released by a failed first request in the meantime
        return claim_key(token_id, key, fingerprint)
    if earlier.request_sha256 != fingerprint:
        return Claim(MISMATCH, earlier)
    return Claim(RUNNING if earlier.status_code is None else REPLAY, earlier)


def finish_key(row_id: int, status_code: int, headers: dict, body: str) -> None:
    """Stores the answer the claimed request got, to be replayed to its retries."""
    row = db.session.get(IdempotencyKey, row_id)
    if row is None:
        return
    row.status_code, row.response_body = status_code, body
    row.response_headers = json.dumps({k: v for k, v in headers.items() if k in REPLAYED_HEADERS})
    db.session.commit()


def release_key(row_id: int) -> None:
    """Frees the key of a request that changed nothing (refused or failed): a retry runs afresh."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id))
    db.session.commit()


def stored_headers(row: IdempotencyKey) -> dict:
    return json.loads(row.response_headers or "{}")


def remove_expired_keys() -> int:
    """Deletes the keys older than a day; their answers are never replayed again."""
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEPT_FOR))
    db.session.commit()
    return result.rowcount
