from flask import jsonify

from app.blueprints.ops import bp
from app.extensions import csrf, limiter
from app.services.health import check_health


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
