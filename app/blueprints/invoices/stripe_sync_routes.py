"""An auto-pay draft's "Sync now": its Stripe current invoice brought in line by a job, at once."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.blueprints import safe_next
from app.blueprints.invoices import bp
from app.services import stripe_sync_state


@bp.route("/<int:invoice_id>/stripe-sync", methods=["POST"])
@login_required
def stripe_sync_now(invoice_id: int):
    try:
        stripe_sync_state.sync_now(current_user.id, invoice_id)
    except LookupError:
        abort(404)
    flash("Syncing with Stripe. Reload in a moment to see it in sync.", "success")
    return redirect(safe_next(request.form.get("next"), url_for("invoices.create", _anchor=f"draft-{invoice_id}")))
