"""rq-dashboard at /ops/rq: the queues, for admin users only (everyone else gets a 404)."""
from urllib.parse import urlsplit

import rq_dashboard
from flask import Flask, abort, request
from flask_login import current_user
from rq_dashboard.web import setup_rq_connection

from app.extensions import csrf

PREFIX = "/ops/rq"
# rq-dashboard's pages carry inline scripts and underscore templates; this looser policy is
# sent on its pages only, which only admins can open.
DASHBOARD_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
                 "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
                 "base-uri 'self'; frame-ancestors 'none'")


def _is_dashboard() -> bool:
    return request.blueprint == rq_dashboard.blueprint.name


def _same_origin() -> bool:
    """Its jQuery posts carry no CSRF token, so its POSTs must come from our own pages."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    here = urlsplit(request.host_url)
    there = urlsplit(source)
    return (there.scheme, there.netloc) == (here.scheme, here.netloc)


def dashboard_redis_url(url: str) -> str:
    """rq-dashboard opens its own connections from a URL: Heroku's TLS Redis (self-signed
    certificate) needs the certificate check turned off in the URL itself."""
    if url.startswith("rediss://") and "ssl_cert_reqs" not in url:
        return url + ("&" if "?" in url else "?") + "ssl_cert_reqs=none"
    return url


def init_queue_dashboard(app: Flask) -> None:
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", dashboard_redis_url(app.config["REDIS_URL"]))
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 5000)
    setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    csrf.exempt(rq_dashboard.blueprint)

    @app.before_request
    def guard_dashboard():
        if not _is_dashboard():
            return None
        if not (current_user.is_authenticated and current_user.is_admin):
            abort(404)
        if "POST" in request.url_rule.methods and request.method != "POST":
            abort(405)  # its actions (requeue all answers GET too) change state: never from a link
        if request.method not in ("GET", "HEAD", "OPTIONS") and not _same_origin():
            abort(400, "Cross-site request refused.")
        return None

    @app.after_request
    def dashboard_policy(response):
        if _is_dashboard():
            response.headers["Content-Security-Policy"] = DASHBOARD_CSP
        return response
