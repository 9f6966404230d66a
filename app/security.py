"""Response headers every page carries, and the largest request body each part of the app reads."""
from flask import Flask, abort, request
from werkzeug.exceptions import BadRequest

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
])


def _is_static_file() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")  # ours, and rq-dashboard's


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("SECURE_HEADERS_HSTS"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if not _is_static_file():
            # Every page is someone's books or carries a CSRF token: no browser or proxy keeps a copy
            # (the back button of a shared computer after logging out shows nothing).
            response.headers.setdefault("Cache-Control", "no-store")
        if response.mimetype == "text/html":
            response.vary.add("HX-Request")  # the same URL answers a page or a fragment
        return response


def init_body_limits(app: Flask) -> None:
    """Registered before every other hook (CSRF reads the form). A body whose Content-Length is over the
    limit is refused before a byte of it is read. A chunked body has no length to go by: it is read up
    to the limit, and refused if there is more (werkzeug's stream would end it there without a word)."""
    @app.before_request
    def refuse_large_bodies():
        if request.blueprint == "webhooks":  # Twilio's forms and Stripe's events are small
            request.max_content_length = app.config["WEBHOOK_MAX_CONTENT_LENGTH"]
        limit = request.max_content_length
        if limit is None:
            return
        if (request.content_length or 0) > limit:
            abort(413)
        if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
            request.get_data(cache=True)  # up to the limit; the views read this copy
            request.stream.read(1)  # raises 413 when the limit was reached with more to come


NUL_REFUSED = "The request has a NUL character in a field or the query string: take it out and send it again."


def init_input_checks(app: Flask) -> None:
    """A NUL character is in no name, note or amount anyone types, and PostgreSQL refuses to store one
    (SQLite stores it): a form or query string carrying one is a 400 before any view sees it."""
    @app.before_request
    def refuse_nul_characters():
        if request.routing_exception is not None:
            return  # no such page: its 404 (or 405) says more
        for values in (request.args, request.form):
            if any("\x00" in text for _name, texts in values.lists() for text in texts):
                refused = BadRequest(NUL_REFUSED)
                refused.problem_detail = NUL_REFUSED  # the API's problem says it too
                raise refused
