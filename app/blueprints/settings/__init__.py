from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from app.blueprints.settings import (autopay_routes, billing_routes, export_routes, mobile_routes, plans_routes,  # noqa: E402,F401
                                     reminder_routes, routes, stripe_routes, token_routes)
