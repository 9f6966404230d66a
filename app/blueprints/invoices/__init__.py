from flask import Blueprint

bp = Blueprint("invoices", __name__, url_prefix="/invoices")

from app.blueprints.invoices import (autopay_routes, drafts_routes, reminder_routes, routes,  # noqa: E402,F401
                                    stripe_sync_routes)
