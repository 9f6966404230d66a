from flask import Blueprint

bp = Blueprint("invoices", __name__, url_prefix="/invoices")

from app.blueprints.invoices import drafts_routes, reminder_routes, routes, stripe_sync_routes  # noqa: E402,F401
