"""Stripe's webhook (events on the trainers' connected accounts). Signed, or refused with 400."""
import logging

from flask import request

from app.blueprints.webhooks import bp
from app.extensions import csrf, limiter
from app.integrations.stripe_payments import InvalidSignature, MalformedEvent, PaymentProviderError
from app.services import stripe_webhooks

log = logging.getLogger(__name__)


@bp.route("/stripe", methods=["POST"])
@csrf.exempt
@limiter.exempt
def stripe_webhook():
    try:
        outcome = stripe_webhooks.handle_webhook(request.get_data(), request.headers.get("Stripe-Signature"))
    except InvalidSignature:
        return "Invalid signature", 400
    except MalformedEvent:
        return "Not a Stripe event", 400
    except PaymentProviderError as e:
        log.warning("Stripe webhook not applied yet (Stripe will deliver it again): %s", e)
        return "Try again later", 503
    return outcome, 200
