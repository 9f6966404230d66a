"""Bearer tokens for /api/v1, and a rate limit per token."""
import hashlib

from flask import abort, current_app, g, request

from app.blueprints.api import bp
from app.extensions import limiter
from app.models import (BillingRun, Client, Invoice, InvoiceLine, Membership, OutboxMessage, Payment, Plan,
                        TrainingSession)
from app.services.api_tokens import authenticate
from app.tenancy import find_owned

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
RATE_LIMIT = "300 per minute"
OWNED_IDS = {"client_id": Client, "invoice_id": Invoice, "draft_id": Invoice, "line_id": InvoiceLine,
             "session_id": TrainingSession, "plan_id": Plan, "payment_id": Payment, "membership_id": Membership,
             "client_plan_id": Membership, "run_id": BillingRun, "billing_run_id": BillingRun,
             "message_id": OutboxMessage}  # the URL's id names, and whose rows they are


def bearer_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def token_rate_key() -> str:
    """The limit counts per token sent (a hash of it, never the token itself): one script cannot use up
    another's allowance, whatever addresses they share."""
    secret = bearer_secret() or request.remote_addr or "anonymous"
    return "api:" + hashlib.sha256(secret.encode()).hexdigest()[:32]


@bp.before_request
def require_token():
    token = authenticate(bearer_secret())
    if token is None:
        abort(401)
    if request.method not in SAFE_METHODS and not token.can_write:
        abort(403)
    g.api_token_id, g.api_trainer_id, g.api_token_name = token.id, token.trainer_id, token.name


@bp.before_request
def require_own_ids():
    """An id in the URL that is not hers is a 404 before anything else is read, whatever the body says:
    another trainer's rows are not ours to reveal, not even by a 422 about their fields."""
    for name, value in (request.view_args or {}).items():
        if name in OWNED_IDS and find_owned(OWNED_IDS[name], g.api_trainer_id, value) is None:
            abort(404)


@bp.before_request
def require_json_body():
    """A body is JSON (`application/json` or a `+json` type); a POST without a body, like a send, is fine."""
    has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if request.method in SAFE_METHODS or not has_body:
        return
    if not (request.mimetype == "application/json" or request.mimetype.endswith("+json")):
        abort(415)


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", RATE_LIMIT)


limiter.limit(_rate_limit, key_func=token_rate_key)(bp)
