from flask import Blueprint, abort

from app.services.links import invoice_for_token

bp = Blueprint("public", __name__)


def invoice_or_404(token: str):
    """The invoice a link opens, void ones too; unknown, malformed and revoked links all get the same 404."""
    invoice = invoice_for_token(token)
    if invoice is None:
        abort(404)
    return invoice


from app.blueprints.public import autopay_routes, billing_routes, card_routes, routes, unsubscribe_routes  # noqa: E402,F401
