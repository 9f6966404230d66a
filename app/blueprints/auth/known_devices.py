"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser the trainer
has logged in on carries a signed note of her email and a random id, and its failed log-ins are counted
for that browser alone (app/services/login_delays.py)."""
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from app.services.accounts import normalize_email

COOKIE = "spotter_device"
LIFETIME_SECONDS = 365 * 24 * 3600


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def device_id_for(email: str) -> str | None:
    """The id of this browser, if the trainer with this email logged in on it before."""
    try:
        note = _signer().loads(request.cookies.get(COOKIE, ""))
    except BadSignature:
        return None
    if not isinstance(note, dict) or note.get("email") != normalize_email(email):
        return None
    return note.get("device") if isinstance(note.get("device"), str) else None


def remember_device(response, email: str, device_id: str | None) -> None:
    """After a log-in: this browser is known for this email from now on (its id kept, if it had one)."""
    note = _signer().dumps({"email": normalize_email(email), "device": device_id or secrets.token_urlsafe(16)})
    response.set_cookie(COOKIE, note, max_age=LIFETIME_SECONDS, path="/login", httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
