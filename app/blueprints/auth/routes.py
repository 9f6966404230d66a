from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.blueprints import apply_service_error, is_phone, safe_next
from app.blueprints.auth import bp
from app.blueprints.auth.forms import ChangePasswordForm, LoginForm, SignupForm
from app.blueprints.auth.known_devices import device_id_for, remember_device
from app.extensions import client_ip, limiter
from app.services import ServiceError, accounts, login_delays
from app.timefmt import in_words


SIGNED_UP_EMAIL = "signed_up_email"  # in the session: the log-in form after sign-up is filled in with it


def _sign_in(trainer, remember: bool):
    session.clear()  # no state carried over from before log-in (session fixation)
    trainer.auth_token = accounts.start_auth_session(trainer.id, request.user_agent.string or "")
    login_user(trainer, remember=remember)


def _failed(response) -> bool:
    """Only a password that was checked and refused counts; an attempt the limit turned away does not."""
    return response.status_code == 200


def _trainer_key() -> str:
    return f"trainer:{current_user.id}"


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_LIMIT_PER_IP"], key_func=client_ip, methods=["POST"],
               scope="signup-ip")
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            accounts.sign_up(form.email.data, form.password.data, form.name.data.strip(),
                             (form.business_name.data or "").strip())  # optional: may be absent
        except ServiceError as e:
            apply_service_error(form, e)
        else:
            # The same answer whether the address was new or not (README, "Accounts"): log in next.
            session[SIGNED_UP_EMAIL] = form.email.data.strip()
            flash("Welcome to Spotter! Log in with the email and password you just chose, then fill in your "
                  "profile so invoices carry your details. If this email already had an account, it is "
                  "unchanged: log in with its own password.", "success")
            return redirect(url_for("auth.login", next=url_for("settings.profile")))
    return render_template("auth/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], key_func=client_ip,
               methods=["POST"], deduct_when=_failed, scope="login-ip")
def login():
    next_url = safe_next(request.args.get("next"), url_for("main.dashboard"))
    if current_user.is_authenticated:
        return redirect(next_url)
    # A phone is carried by its owner: there, "Keep me logged in" starts ticked.
    form = LoginForm(remember=is_phone())
    signed_up = session.pop(SIGNED_UP_EMAIL, None) if request.method == "GET" else None
    if signed_up:
        form.email.data = signed_up
    if form.validate_on_submit():
        return _try_password(form, next_url)
    return render_template("auth/login.html", form=form)


def _try_password(form: LoginForm, next_url: str):
    """Counted per email, or per device on one the trainer logged in on; after too many failures each
    further try waits a little longer (app/services/login_delays.py)."""
    device_id = device_id_for(form.email.data)
    counted_as = login_delays.device_key(device_id) if device_id else \
        login_delays.email_key(accounts.normalize_email(form.email.data))
    wait = login_delays.claim_attempt(counted_as)
    if wait:
        form.form_errors.append(f"Too many failed log-ins for this email. Try again in {in_words(wait)}.")
        return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}
    trainer = accounts.authenticate(form.email.data, form.password.data)
    if trainer is None:
        form.form_errors.append("That email and password do not match an account.")
        return render_template("auth/login.html", form=form)
    login_delays.forgive_attempt(counted_as)
    _sign_in(trainer, remember=form.remember.data)
    response = redirect(next_url)
    remember_device(response, trainer.email, device_id)
    return response


LIMITED_PAGES = {  # endpoint: its form, its page, and why it is refused now
    "auth.login": (LoginForm, "auth/login.html", "Too many log-in attempts. Wait a few minutes, then try again."),
    "auth.signup": (SignupForm, "auth/signup.html",
                    "Too many accounts made from this network. Wait a while, then try again."),
    "auth.change_password": (ChangePasswordForm, "auth/password.html",
                             "Too many tries. Wait a few minutes, then try again."),
}


@bp.errorhandler(429)
def too_many_attempts(_e):
    """A limited form is shown again, with the reason where the person is looking."""
    form_class, template, message = LIMITED_PAGES.get(request.endpoint, LIMITED_PAGES["auth.login"])
    form = form_class()
    form.form_errors.append(message)
    return render_template(template, form=form), 429


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        accounts.end_auth_session(current_user.auth_token)
    session.clear()
    logout_user()  # after clear(): it leaves the note that deletes the remember-me cookie
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required  # before the limit, which is counted per trainer
@limiter.limit(lambda: current_app.config["PASSWORD_CHANGE_LIMIT_PER_TRAINER"], key_func=_trainer_key,
               methods=["POST"], deduct_when=_failed, scope="password-change")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user.id, form.current_password.data, form.password.data,
                                     keep_token=current_user.auth_token)
        except ServiceError as e:
            apply_service_error(form, e)
        else:
            flash("Password changed. You were logged out everywhere else.", "success")
            return redirect(url_for("settings.profile"))
    return render_template("auth/password.html", form=form)
