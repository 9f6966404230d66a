"""An invoice's own reminder switch."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.blueprints.invoices import bp
from app.models import Invoice
from app.services import reminders
from app.tenancy import get_owned_or_404


@bp.route("/<int:invoice_id>/reminders", methods=["POST"])
@login_required
def invoice_reminders(invoice_id: int):
    invoice = get_owned_or_404(Invoice, current_user.id, invoice_id)
    if invoice.number is None:  # a draft: nothing to remind of yet
        abort(404)
    enabled = request.form.get("enabled") == "1"
    reminders.set_invoice_reminders(current_user.id, invoice.id, enabled)
    flash("Reminders on for this invoice." if enabled else "No more reminders for this invoice.", "success")
    return redirect(url_for("invoices.show", invoice_id=invoice.id))
