"""Auto-pay from the client's page: send her the link to save a card, or turn auto-pay off for her."""
from datetime import date

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from app.blueprints.clients import bp
from app.models import Client
from app.services import ServiceError, autopay_cards, autopay_links, autopay_overview
from app.services.card_payments import card_payments_available
from app.tenancy import get_owned_or_404


def autopay_section(client: Client, today: date) -> dict:
    """What the client page's auto-pay section shows, from the database only (no Stripe call)."""
    autopay = autopay_overview.client_autopay(current_user.id, client.id)  # her card, read once for both
    card = autopay.card if autopay is not None else None
    state = autopay_cards.card_state(card)
    offered = card_payments_available(current_user)
    return {"autopay": autopay, "autopay_card": card, "autopay_state": state,
            "card_expiring": state == "on" and autopay_cards.expires_soon(card, today),
            "card_expired": state == "on" and autopay_cards.has_expired(card, today),
            "autopay_offered": offered, "autopay_link": autopay_links.setup_url(client.id) if offered else None}


@bp.route("/<int:client_id>/autopay/link", methods=["POST"])
@login_required
def send_autopay_link(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    try:
        messages = autopay_links.send_setup_link(current_user.id, client.id)
    except LookupError:
        abort(404)
    except ServiceError as e:
        flash(e.message, "error")
    else:
        if autopay_links.is_pending(messages):
            flash(f"Auto-pay link sent to {client.first_name}.", "success")
        else:
            reasons = " ".join(m.error_message for m in messages if m.error_message)
            flash(f"Auto-pay link not sent: {reasons} Share the link below yourself.", "error")
    return redirect(url_for("clients.show", client_id=client.id, _anchor="autopay"))


@bp.route("/<int:client_id>/autopay/off", methods=["POST"])
@login_required
def turn_autopay_off(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    try:
        autopay_cards.turn_off_for_trainer(current_user.id, client.id)
    except LookupError:
        abort(404)
    flash(f"Auto-pay is off for {client.first_name}: she gets a link for each invoice.", "success")
    return redirect(url_for("clients.show", client_id=client.id, _anchor="autopay"))
