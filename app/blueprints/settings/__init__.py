from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from app.blueprints.settings import mobile_routes, reminder_routes, routes, stripe_routes  # noqa: E402,F401
