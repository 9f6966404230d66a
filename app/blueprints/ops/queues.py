"""rq-dashboard at /ops/rq: the queues, for admin users only (everyone else gets a 404)."""
from urllib.parse import parse_qsl, urlencode, urlsplit

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


def dashboard_redis_url(url: str, timeout_ms: int) -> str:
    """rq-dashboard opens its own connections from a URL, so the URL itself carries the short
    timeouts of every Redis client and, for Heroku's TLS Redis (self-signed certificate), no
    certificate check. Settings already in the URL are kept."""
    seconds = f"{timeout_ms / 1000:g}"
    wanted = {"socket_timeout": seconds, "socket_connect_timeout": seconds}
    if url.startswith("rediss://"):
        wanted["ssl_cert_reqs"] = "none"
    present = {name for name, _ in parse_qsl(urlsplit(url).query)}
    added = urlencode({name: value for name, value in wanted.items() if name not in present})
    return url + ("&" if "?" in url else "?") + added if added else url


def init_queue_dashboard(app: Flask) -> None:
    config = app.config
    config.setdefault("RQ_DASHBOARD_REDIS_URL", dashboard_redis_url(config["REDIS_URL"], config["REDIS_TIMEOUT_MS"]))
    config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 5000)
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
