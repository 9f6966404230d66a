from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from app.blueprints.main import bp
from app.services.dashboard import build_dashboard


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("main/dashboard.html", dash=build_dashboard(current_user))
