"""Settings → Failed card payments: when auto-pay tries a declined card again."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints import apply_service_error
from app.blueprints.settings import bp
from app.blueprints.settings.forms import AutopayRetriesForm
from app.services import ServiceError, autopay_settings


@bp.route("/autopay-retries", methods=["GET", "POST"])
@login_required
def autopay_retries():
    if request.method == "GET":
        form = AutopayRetriesForm(formdata=None, retry_days=", ".join(current_user.autopay_retry_days.split(",")),
                                  suspend_credits=current_user.autopay_suspend_credits)
    else:
        form = AutopayRetriesForm()
        if form.validate():
            try:
                autopay_settings.save_autopay_settings(current_user.id, form.retry_days.data or "",
                                                       form.suspend_credits.data)
            except ServiceError as e:
                apply_service_error(form, e)
            else:
                flash("Retry days saved.", "success")
                return redirect(url_for("settings.autopay_retries"))
    return render_template("settings/autopay_retries.html", form=form)
