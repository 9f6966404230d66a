"""Settings → Failed card payments: when auto-pay tries a declined card again."""
from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints import post_form
from app.blueprints.settings import bp
from app.blueprints.settings.forms import AutopayRetriesForm
from app.services import autopay_settings


@bp.route("/autopay-retries", methods=["GET", "POST"])
@login_required
def autopay_retries():
    if request.method == "GET":
        form = AutopayRetriesForm(formdata=None, retry_days=", ".join(current_user.autopay_retry_days.split(",")),
                                  suspend_credits=current_user.autopay_suspend_credits)
        return render_template("settings/autopay_retries.html", form=form)
    form = AutopayRetriesForm()
    return post_form(form, lambda: autopay_settings.save_autopay_settings(current_user.id, form.retry_days.data or "",
                                                                           form.suspend_credits.data),
                     "Retry days saved.", url_for("settings.autopay_retries")) \
        or render_template("settings/autopay_retries.html", form=form)
