"""A forgotten password: ask for a link by email or a code by text, then choose a new password."""
from flask import current_app, flash, redirect, render_template, request, url_for

from app.blueprints import apply_service_error
from app.blueprints.auth import bp
from app.blueprints.auth.forms import ForgotPasswordForm, ResetPasswordForm, ResetWithCodeForm
from app.extensions import client_ip, limiter
from app.services import ServiceError, password_reset

SENT = ("If an account uses this email, we sent it a link to choose a new password. It works for 30 "
        "minutes, once.")
TEXTED = ("If an account uses this email and has a verified mobile, we texted it a code. It works for 30 "
          "minutes.")


def _reset_limit() -> str:
    return current_app.config.get("PASSWORD_RESET_LIMIT_PER_IP", "10 per 15 minutes")


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, key_func=client_ip, methods=["POST"], scope="password-reset")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if request.form.get("how") == "sms":
            password_reset.request_reset_by_text(form.email.data)
            flash(TEXTED, "info")
            return redirect(url_for("auth.reset_with_code", email=form.email.data.strip()))
        password_reset.request_reset_by_email(form.email.data)
        return render_template("auth/forgot_sent.html", message=SENT)
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, key_func=client_ip, methods=["POST"], scope="password-reset-link")
def reset_with_link(token: str):
    if password_reset.reset_for_token(token) is None:
        return render_template("auth/reset_invalid.html", message=password_reset.LINK_NOT_VALID), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        done = _reset(form, lambda: password_reset.reset_with_token(token, form.password.data))
        if done:
            return done
    return render_template("auth/reset.html", form=form, code=False)


@bp.route("/password/code", methods=["GET", "POST"])
@limiter.limit(_reset_limit, key_func=client_ip, methods=["POST"], scope="password-reset-code")
def reset_with_code():
    form = ResetWithCodeForm()
    if request.method == "GET":
        form.email.data = request.args.get("email", "")[:254]
    if form.validate_on_submit():
        done = _reset(form, lambda: password_reset.reset_with_code(form.email.data, form.code.data,
                                                                  form.password.data))
        if done:
            return done
    return render_template("auth/reset.html", form=form, code=True)


def _reset(form, reset):
    """Runs the reset; to the log-in page when done, None (the refusal beside its field) when not."""
    try:
        reset()
    except ServiceError as e:
        apply_service_error(form, e)
        return None
    flash("Password changed, and you were logged out everywhere. Log in with the new one.", "success")
    return redirect(url_for("auth.login"))
