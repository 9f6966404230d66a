"""Spotter: invoicing for independent personal trainers."""
from flask import Flask, g, render_template, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import TestConfig, config_for_environment


def create_app(config=None, **overrides) -> Flask:
    """Build the app: config -> extensions -> blueprints -> errors -> jobs -> cli. No I/O here."""
    app = Flask(__name__, instance_relative_config=False)
    from app.blueprints import RowIdConverter
    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    app.config.from_object(config or config_for_environment())
    app.config.update(overrides)
    # Heroku's router terminates TLS and appends the client to X-Forwarded-For.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from app.security import init_body_limits, init_input_checks, init_security_headers
    init_body_limits(app)
    init_input_checks(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_api(app)
    _register_template_helpers(app)

    init_security_headers(app)

    from app.cli import register_cli
    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (registers every table)
    from app.auth_loader import init_login
    from app.extensions import csrf, db, limiter, migrate, redis_options

    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if sqlite:  # a local file does not drop connections: no ping before each checkout
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    db.init_app(app)
    if sqlite:
        from app.sqlite import tune_sqlite
        with app.app_context():
            tune_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    storage_uri = app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_options(storage_uri, app.config["REDIS_TIMEOUT_MS"]))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    init_login(app)


def _migrations_dir():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent / "migrations"


def _register_blueprints(app: Flask) -> None:
    from app.blueprints.auth import bp as auth_bp
    from app.blueprints.clients import bp as clients_bp
    from app.blueprints.invoices import bp as invoices_bp
    from app.blueprints.main import bp as main_bp
    from app.blueprints.ops import bp as ops_bp
    from app.blueprints.public import bp as public_bp
    from app.blueprints.sessions import bp as sessions_bp
    from app.blueprints.settings import bp as settings_bp
    from app.blueprints.webhooks import bp as webhooks_bp

    for bp in (auth_bp, main_bp, clients_bp, sessions_bp, settings_bp, invoices_bp, public_bp, ops_bp,
               webhooks_bp):
        app.register_blueprint(bp)

    from app.blueprints.ops.queues import init_queue_dashboard
    init_queue_dashboard(app)


def _register_api(app: Flask) -> None:
    """After the pages' error handlers: the API's problem answers wrap them."""
    from app.blueprints.api import init_api
    init_api(app)


def _register_errors(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    def page(template, status, **ctx):
        if request.headers.get("HX-Request"):
            return render_template("errors/_message.html", status=status, **ctx), status
        return render_template(template, status=status, **ctx), status

    @app.errorhandler(404)
    def not_found(_e):
        return page("errors/error.html", 404, title="Not found",
                    message="There is nothing here, or it is not yours to see.")

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        from flask_wtf.csrf import generate_csrf
        body, status = page("errors/error.html", 400, title="Form expired",
                            message="This form has expired or was sent from elsewhere. Reload the page and try again.")
        # The page's token is stale (a log-in in another tab starts a new one): app.js takes this one,
        # so the next tap works. Only same-origin script can read it.
        return body, status, {"X-CSRF-Token": generate_csrf()}

    @app.errorhandler(413)
    def too_large(_e):
        if request.blueprint == "webhooks":
            return "Request body too large", 413, {"Content-Type": "text/plain"}
        return page("errors/error.html", 413, title="Too much to send",
                    message="That was more than this page can take in one go. Go back and send less.")

    @app.errorhandler(429)
    def too_many(_e):
        return page("errors/error.html", 429, title="Slow down",
                    message="Too many attempts. Wait a few minutes and try again.")


def _register_template_helpers(app: Flask) -> None:
    from app import timefmt
    from app.money import cents_to_input, format_cents
    from app.phones import display as display_phone
    from app.services.profiles import phone_region
    from app.services import packs
    from app.services.audit import EVENT_LABELS
    from app.services.invoice_numbers import format_invoice_number
    from app.services.outbox import why_not_textable
    from app.services.payments import METHOD_LABELS

    app.jinja_env.filters["money"] = format_cents
    app.jinja_env.filters["money_input"] = cents_to_input

    def phone_as_the_trainer_writes_it(e164: str | None) -> str:
        if "phone_region" not in g:  # worked out once per request, not once per number shown
            g.phone_region = phone_region(current_user) if current_user.is_authenticated else "US"
        return display_phone(e164, g.phone_region)

    app.jinja_env.filters["phone"] = phone_as_the_trainer_writes_it
    app.jinja_env.filters["invoice_number"] = format_invoice_number
    # How an invoice's status reads as a badge, on the trainer's pages and the client's alike.
    app.jinja_env.filters["invoice_badge"] = lambda status: {"paid": "ok", "nothing_to_pay": "ok", "overdue": "bad", "void": ""}.get(status, "warn")
    app.jinja_env.globals["event_label"] = lambda kind: EVENT_LABELS.get(kind, kind)
    app.jinja_env.globals["no_text_reason"] = why_not_textable
    app.jinja_env.globals["payment_method_label"] = METHOD_LABELS.get
    app.jinja_env.filters["local_dt"] = timefmt.local_datetime
    app.jinja_env.filters["local_date"] = timefmt.local_date
    app.jinja_env.filters["local_time"] = timefmt.local_time
    app.jinja_env.filters["ago"] = timefmt.ago
    app.jinja_env.filters["day_time"] = timefmt.day_and_time
    app.jinja_env.filters["short_date"] = lambda day: f"{day:%b} {day.day}"
    app.jinja_env.filters["pack_balance"] = packs.balance_text
    _register_card_filters(app)


def _register_card_filters(app: Flask) -> None:
    """A saved card as the trainer and the client read it: "Visa •4242", "12/28"."""
    from app.services import autopay_cards

    app.jinja_env.filters["card_label"] = autopay_cards.describe
    app.jinja_env.filters["card_expiry"] = autopay_cards.expiry_label
    app.jinja_env.globals["card_expires_soon"] = autopay_cards.expires_soon
    app.jinja_env.globals["card_has_expired"] = autopay_cards.has_expired
    app.jinja_env.globals["card_state"] = autopay_cards.card_state  # on, off, removed or none, as her page says


__all__ = ["create_app", "TestConfig"]
