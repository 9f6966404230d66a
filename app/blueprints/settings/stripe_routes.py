"""Card payments in settings: connect her own Stripe account, see how it stands, disconnect it."""
from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from app.blueprints.settings import bp
from app.services import ServiceError, stripe_connect

CARD_SECTION = "card-payments"
STATUS_MESSAGES = {
    stripe_connect.ENABLED: ("Stripe is connected. Clients can pay your invoices by card.", "success"),
    stripe_connect.ONBOARDING: ("Stripe still needs a few details before you can take cards.", "error"),
}


@bp.context_processor
def stripe_status():
    """Read by settings/_stripe.html, only when the partial is rendered."""
    return {"stripe_connect_status": lambda: stripe_connect.connect_status(current_user)}


def _back_to_settings():
    return redirect(url_for("settings.profile", _anchor=CARD_SECTION))


def _to_onboarding(create: bool):
    try:
        url = stripe_connect.onboarding_url(current_user.id, create=create,
                                            return_url=url_for("settings.stripe_return", _external=True),
                                            refresh_url=url_for("settings.stripe_refresh", _external=True))
    except ServiceError as e:
        flash(e.message, "error")
        return _back_to_settings()
    return redirect(url, code=303)


@bp.route("/stripe/connect", methods=["POST"])
@login_required
def stripe_connect_account():
    return _to_onboarding(create=True)


@bp.route("/stripe/refresh")
@login_required
def stripe_refresh():
    """Stripe sends her here when an onboarding link has expired: a new link, same account."""
    return _to_onboarding(create=False)


@bp.route("/stripe/return")
@login_required
def stripe_return():
    """Back from onboarding: Stripe is asked how her account stands now."""
    try:
        status = stripe_connect.refresh_account_status(current_user.id)
    except ServiceError as e:
        flash(e.message, "error")
        return _back_to_settings()
    if status in STATUS_MESSAGES:
        flash(*STATUS_MESSAGES[status])
    return _back_to_settings()


@bp.route("/stripe/disconnect", methods=["POST"])
@login_required
def stripe_disconnect():
    stripe_connect.disconnect_account(current_user.id)
    flash("Stripe disconnected. Clients can no longer pay your invoices by card.", "success")
    return _back_to_settings()
