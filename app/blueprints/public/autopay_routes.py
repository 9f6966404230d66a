"""The client's auto-pay page, behind a signed link of her own: save a card (Checkout in setup mode, on
her trainer's account) or turn auto-pay off. No login; every change is a POST with its CSRF token."""
from flask import abort, current_app, redirect, render_template, request, url_for

from app.blueprints.public import bp
from app.extensions import client_ip, limiter
from app.services import autopay_cards, autopay_links
from app.services.autopay_cards import AutopayError
from app.services.card_payments import card_payments_available

AUTOPAY_RATE_LIMIT = "30 per minute"


def _client_or_404(token: str):
    found = autopay_links.client_for_token(token)
    if found is None:
        abort(404)
    return found


def _page(token: str, client, owner, **extra):
    card = autopay_cards.card_of(client.id)
    return render_template("public/autopay.html", token=token, client=client, owner=owner, card=card,
                           state=autopay_cards.card_state(card), can_save=card_payments_available(owner)
                           and client.archived_at is None, **extra)


@bp.route("/a/<token>")
@limiter.limit(AUTOPAY_RATE_LIMIT, key_func=client_ip, scope="public-autopay")
def autopay(token: str):
    client, owner = _client_or_404(token)
    return _page(token, client, owner)


@bp.route("/a/<token>/setup", methods=["POST"])
@limiter.limit(AUTOPAY_RATE_LIMIT, key_func=client_ip, scope="public-autopay")
def autopay_setup(token: str):
    client, owner = _client_or_404(token)
    base = current_app.config["PUBLIC_BASE_URL"]
    # Stripe fills in {CHECKOUT_SESSION_ID}; url_for would escape the braces.
    success_url = base + url_for("public.autopay_saved", token=token) + "?session_id={CHECKOUT_SESSION_ID}"
    try:
        checkout_url = autopay_cards.start_setup(client.id, success_url, base + url_for("public.autopay", token=token))
    except AutopayError as e:
        return _page(token, client, owner, message=e.message, retry=e.retry), 503 if e.retry else 409
    return redirect(checkout_url, code=303)


@bp.route("/a/<token>/saved")
@limiter.limit(AUTOPAY_RATE_LIMIT, key_func=client_ip, scope="public-autopay")
def autopay_saved(token: str):
    client, owner = _client_or_404(token)
    if request.args.get("session_id"):
        autopay_cards.settle_setup_return(client.id, request.args["session_id"][:255])
    return _page(token, client, owner, back_from_checkout=True)


@bp.route("/a/<token>/off", methods=["POST"])
@limiter.limit(AUTOPAY_RATE_LIMIT, key_func=client_ip, scope="public-autopay")
def autopay_off(token: str):
    client, owner = _client_or_404(token)
    autopay_cards.turn_off(client.id)
    return render_template("public/autopay_off.html", token=token, client=client, owner=owner)
