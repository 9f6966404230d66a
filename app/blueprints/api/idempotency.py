"""`Idempotency-Key` on every POST under /api/v1, for every route on `bp`: a retry of a request that
timed out on the way back gets the first answer again (`Idempotent-Replayed: true`), never a second client,
payment or text. Keys are per token and kept 24 hours (app/services/idempotency.py)."""
from flask import Response, g, request

from app.blueprints.api import bp
from app.blueprints.api.problems import abort_problem
from app.services import idempotency

HEADER = "Idempotency-Key"
KEPT_STATUSES = range(200, 400)  # a refused or failed request changed nothing: its key is freed for a retry


@bp.before_request
def claim_idempotency_key():
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return None
    if not key.strip() or len(key) > idempotency.MAX_KEY_LENGTH:
        abort_problem(422, f"Send an {HEADER} of 1 to {idempotency.MAX_KEY_LENGTH} characters.",
                      [{"field": HEADER, "message": f"Keep the key to {idempotency.MAX_KEY_LENGTH} characters."}])
    path = request.path + ("?" + request.query_string.decode() if request.query_string else "")
    fingerprint = idempotency.request_fingerprint(request.method, path, request.get_data(cache=True))
    claim = idempotency.claim_key(g.api_token_id, key, fingerprint)
    if claim.outcome == idempotency.MISMATCH:
        abort_problem(422, f"This {HEADER} was used with another request: use a new key for a new request.",
                      [{"field": HEADER, "message": "Already used for a different request."}])
    if claim.outcome == idempotency.RUNNING:
        abort_problem(409, f"A request with this {HEADER} is still running: try again in a moment.")
    if claim.outcome == idempotency.REPLAY:
        row = claim.row
        response = Response(row.response_body, status=row.status_code, headers=idempotency.stored_headers(row))
        response.headers["Idempotent-Replayed"] = "true"
        return response
    g.idempotency_key_id = claim.row.id
    return None


@bp.after_request
def store_idempotent_answer(response):
    row_id = g.pop("idempotency_key_id", None)
    if row_id is not None:
        if response.status_code in KEPT_STATUSES and not response.is_streamed:
            idempotency.finish_key(row_id, response.status_code, dict(response.headers),
                                   response.get_data(as_text=True))
        else:
            idempotency.release_key(row_id)
    return response


@bp.teardown_request
def release_unanswered_key(error=None):
    """A view that raised never reached store_idempotent_answer: free its key."""
    row_id = g.pop("idempotency_key_id", None)
    if row_id is not None:
        idempotency.release_key(row_id)
