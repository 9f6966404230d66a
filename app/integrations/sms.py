"""Sending texts: the Twilio adapter, and a console stand-in for laptops and tests."""
import logging
import uuid
from dataclasses import dataclass

from flask import current_app

log = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider refused the text. `permanent` errors are never retried."""

    def __init__(self, message: str, code: str | None = None, permanent: bool = False):
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class SmsTransientError(SmsError):
    """Known to have failed before the provider accepted the message: safe to retry."""


class SmsUnknownOutcome(SmsError):
    """The request went out but no answer came back: the text may or may not have been sent."""


@dataclass
class SentText:
    sid: str
    status: str


def backend_name() -> str:
    configured = current_app.config.get("SMS_BACKEND") or ""
    if configured:
        return configured
    return "twilio" if current_app.config.get("TWILIO_ACCOUNT_SID") else "console"


def send_text(to: str, body: str, status_callback: str | None = None) -> SentText:
    if backend_name() == "twilio":
        from app.integrations import twilio_sms
        return twilio_sms.send_text(to, body, status_callback)
    sid = "CONSOLE" + uuid.uuid4().hex
    log.info("console text to %s (%s): %s", to, sid, body)
    return SentText(sid=sid, status="sent")
