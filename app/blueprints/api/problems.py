"""Every error under /api is `application/problem+json` (RFC 9457), never an HTML page."""
import math
import time

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

PROBLEM_CODES = (400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 429, 500)
DETAILS = {
    401: "Send an active API token as `Authorization: Bearer spt_…` (Settings › API tokens).",
    403: "This token is read only: make a read and write token to change anything.",
    404: "There is nothing here, or it is not yours to see.",
    405: "This URL does not take that method.",
    409: "This conflicts with the resource as it is now.",
    412: "This draft was changed since you read it: read it again and send its new ETag in If-Match.",
    413: "The request body is too large.",
    415: "Send the body as application/json.",
    422: "The request has fields that are not right: see `errors`.",
    429: "Too many requests with this token: wait and try again.",
    500: "Something went wrong on our side; nothing was changed. Try again.",
}


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None, headers: dict | None = None):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    response.headers.extend(headers or {})
    return response


def _validation_errors(error: HTTPException) -> list[dict]:
    """webargs' messages ({"query": {"limit": ["..."]}}) as a flat list of {field, message}."""
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    found = []
    for where in messages.values():
        for field, texts in (where.items() if isinstance(where, dict) else []):
            for text in texts if isinstance(texts, list) else [texts]:
                found.append({"field": field, "message": str(text)})
    return found


def _retry_after() -> str:
    from app.extensions import limiter
    current = getattr(limiter, "current_limit", None)
    seconds = math.ceil(current.reset_at - time.time()) if current else 60
    return str(max(seconds, 1))


def init_problems(app: Flask) -> None:
    """Wraps the app's error handlers: under /api they answer a problem, elsewhere what they answered before."""
    for code in PROBLEM_CODES:
        # Only the handler of the code's own class: CSRFError has a 400 handler of its own, kept as it is.
        earlier = app.error_handler_spec[None].get(code, {}).get(default_exceptions[code])

        def handler(error, earlier=earlier, code=code):
            if not is_api_request():
                return earlier(error) if earlier else error
            status = error.code if isinstance(error, HTTPException) else 500
            title = (error.name if isinstance(error, HTTPException) else InternalServerError.name)
            headers = dict(getattr(error, "problem_headers", None) or {})
            if status == 429:
                headers["Retry-After"] = _retry_after()
            if status == 401:
                headers.setdefault("WWW-Authenticate", 'Bearer realm="spotter"')
            detail = getattr(error, "problem_detail", None) or DETAILS.get(status) or \
                (error.description if isinstance(error, HTTPException) else DETAILS[500])
            return problem(status, title, detail, _validation_errors(error) if status in (400, 422) else None,
                           headers)

        app.register_error_handler(code, handler)
