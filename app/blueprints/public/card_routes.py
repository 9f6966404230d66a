"""Pay by card: the client is sent to Stripe Checkout on the trainer's account, and back."""
from flask import abort

from app.blueprints.public import bp


@bp.route("/i/<token>/pay", methods=["POST"])
def pay_by_card(token: str):
    abort(404)


@bp.route("/i/<token>/paid")
def card_return(token: str):
    abort(404)
