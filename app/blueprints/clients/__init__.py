from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")

from app.blueprints.clients import autopay_routes, billing_link_routes, membership_routes, packs_routes, routes  # noqa: E402,F401
