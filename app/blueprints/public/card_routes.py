"""Pay by card: the client is sent to Stripe Checkout on the trainer's account, and back."""
from flask import current_app, redirect, render_template, request, url_for

from app.blueprints.public import bp, invoice_or_404
from app.extensions import client_ip, limiter
from app.services import card_payments
from app.services.card_payments import CardPaymentError

CARD_RATE_LIMIT = "30 per minute"


def _public_url(endpoint: str, **values) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


@bp.route("/i/<token>/pay", methods=["POST"])
@limiter.limit(CARD_RATE_LIMIT, key_func=client_ip, scope="public-card")
def pay_by_card(token: str):
    invoice = invoice_or_404(token)
    # Stripe fills in {CHECKOUT_SESSION_ID}; url_for would escape the braces.
    success_url = _public_url("public.card_return", token=token) + "?session_id={CHECKOUT_SESSION_ID}"
    save_card = request.form.get("save_card") == "1"  # "Pay and save this card for next time"
    try:
        checkout_url = card_payments.start_checkout(invoice.id, success_url, _public_url("public.invoice", token=token),
                                                    save_card=save_card)
    except CardPaymentError as e:
        page = render_template("public/card_message.html", token=token, invoice=invoice, message=e.message,
                               retry=e.retry, save_card=save_card)
        return page, 503 if e.retry else 409
    return redirect(checkout_url, code=303)


@bp.route("/i/<token>/paid")
@limiter.limit(CARD_RATE_LIMIT, key_func=client_ip, scope="public-card")
def card_return(token: str):
    invoice = invoice_or_404(token)
    if request.args.get("session_id"):
        card_payments.settle_return(invoice.id, request.args["session_id"][:255])
    return render_template("public/card_return.html", view=card_payments.return_view(invoice), token=token)
