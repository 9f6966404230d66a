from flask import abort, current_app, jsonify, render_template
from flask_login import current_user, login_required

from app.blueprints.ops import bp
from app.extensions import csrf, limiter
from app.services.console_outbox import emails_kept, texts_by_phone
from app.services.health import check_health


@bp.route("/ping")
@limiter.exempt
def ping():
    """Answers without touching the database or Redis: a baseline for load tests and routers."""
    return "pong", 200, {"Content-Type": "text/plain", "Cache-Control": "no-store"}


@bp.route("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    checks = check_health()
    healthy = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    if not healthy:
        body["failed"] = [name for name, v in checks.items() if v != "ok"]
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/dev/outbox")
@login_required
def outbox():
    """What the console SMS and mail backends kept, shown as a phone and a mail app would (development only)."""
    if not current_app.config.get("DEV_OUTBOX"):
        abort(404)
    return render_template("ops/outbox.html", phones=texts_by_phone(current_user.id),
                           emails=emails_kept(current_user.id))


@bp.route("/ops/billing-runs")
@login_required
def billing_runs():
    """Every trainer's recent scheduled billing runs and their status (admins only; others get a 404)."""
    if not current_user.is_admin:
        abort(404)
    from app.services.billing_runs import recent_runs
    return render_template("ops/billing_runs.html", runs=recent_runs(limit=100))
