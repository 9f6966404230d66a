"""Twilio's callbacks: delivery receipts and inbound STOP/START/HELP. Signed, or refused with 403."""
from flask import abort, current_app, request
from markupsafe import escape

from app.blueprints.webhooks import bp
from app.extensions import csrf, limiter
from app.integrations import sms
from app.services import texting

EMPTY_TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', 200,
               {"Content-Type": "text/xml"})


def _require_twilio_signature() -> None:
    """Twilio signs the URL it called. Behind Heroku's router that is the https URL (ProxyFix
    restores it); the configured public URL is accepted too."""
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.form.to_dict()
    public = current_app.config["PUBLIC_BASE_URL"] + request.full_path.rstrip("?")
    if not any(sms.signature_is_valid(url, params, signature) for url in {request.url, public}):
        abort(403)


@bp.route("/twilio/status", methods=["POST"])
@csrf.exempt
@limiter.exempt
def twilio_status():
    _require_twilio_signature()
    texting.apply_status_callback(request.form.get("MessageSid", ""),
                                  request.form.get("MessageStatus", ""), request.form.get("ErrorCode"))
    return "", 204


@bp.route("/twilio/inbound", methods=["POST"])
@csrf.exempt
@limiter.exempt
def twilio_inbound():
    _require_twilio_signature()
    word = texting.apply_inbound(request.form.get("From", ""), request.form.get("Body", ""))
    if word in ("HELP", "INFO"):
        reply = escape(texting.help_text(request.form.get("From", "")))
        return (f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{reply}</Message></Response>', 200,
                {"Content-Type": "text/xml"})
    return EMPTY_TWIML
