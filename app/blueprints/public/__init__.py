from flask import Blueprint

bp = Blueprint("public", __name__)

from app.blueprints.public import card_routes, routes  # noqa: E402,F401
