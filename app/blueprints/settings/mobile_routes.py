"""Verifying the trainer's own mobile number in settings: text her a code, check the code she types."""
from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from app.blueprints import apply_service_error
from app.blueprints.settings import bp
from app.blueprints.settings.forms import MobileCodeForm
from app.blueprints.settings.routes import profile_page
from app.extensions import client_ip, limiter
from app.services import ServiceError, mobile_verification

SECTION = "mobile-verification"


@bp.context_processor
def mobile_code():
    """Read by settings/_mobile.html, only when the partial is rendered."""
    return {"pending_mobile_code": lambda: mobile_verification.pending_code(current_user)}


def _trainer_key() -> str:
    return f"trainer-{current_user.id}" if current_user.is_authenticated else client_ip()


@bp.route("/mobile/code", methods=["POST"])
@limiter.limit(lambda: current_app.config["VERIFY_CODE_LIMIT_PER_TRAINER"], key_func=_trainer_key,
               scope="verify-code-trainer")
@limiter.limit(lambda: current_app.config["VERIFY_CODE_LIMIT_PER_IP"], key_func=client_ip,
               scope="verify-code-ip")
@login_required
def send_mobile_code():
    try:
        mobile_verification.send_verification_code(current_user.id)
    except ServiceError as e:
        flash(e.message, "error")
    else:
        flash("Code sent. Type it in below; it works for 10 minutes.", "success")
    return redirect(url_for("settings.profile", _anchor=SECTION))


@bp.route("/mobile/verify", methods=["POST"])
@login_required
def verify_mobile():
    form = MobileCodeForm()
    if form.validate_on_submit():
        try:
            mobile_verification.confirm_mobile(current_user.id, form.code.data)
        except ServiceError as e:
            apply_service_error(form, e)
        else:
            flash("Your mobile number is verified. Your clients are texted their invoices from now on.", "success")
            return redirect(url_for("settings.profile", _anchor=SECTION))
    return profile_page(code_form=form)


@bp.errorhandler(429)
def too_many_codes(_e):
    """Only sending codes is limited in settings: say so in the mobile section, on the settings page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    form = MobileCodeForm(formdata=None)
    form.form_errors.append("You asked for several codes in a short time. Wait an hour, then ask again.")
    return profile_page(code_form=form, status=429)
