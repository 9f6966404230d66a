"""Sending texts: the Twilio adapter, and a console stand-in for laptops and tests."""
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from app.config import sms_backend

log = logging.getLogger(__name__)
CONSOLE_PREFIX = "CONSOLE"
FIND_SENT_WINDOW = timedelta(days=1)  # our own rows this long before `since` are checked for recorded SIDs

class SmsError(Exception):
    """The provider refused the text. `permanent` errors are never retried. What the refusal says about
    the number is told in plain values (the provider's own codes stay in its module): `opted_out` when
    the person replied STOP, `number_problem` (plain words) when the number itself cannot get texts."""

    def __init__(self, message: str, code: str | None = None, permanent: bool = False, *,
                 opted_out: bool = False, number_problem: str | None = None):
        super().__init__(message)
        self.code = code
        self.permanent = permanent
        self.opted_out = opted_out
        self.number_problem = number_problem


class SmsTransientError(SmsError):
    """Known to have failed before the provider accepted the message: safe to retry."""


class SmsUnknownOutcome(SmsError):
    """The request went out but no answer came back: the text may or may not have been sent."""


@dataclass
class SentText:
    sid: str
    status: str


def backend_name() -> str:
    config = current_app.config
    return sms_backend(config.get("SMS_BACKEND") or "", config.get("TWILIO_ACCOUNT_SID") or "")


def send_text(to: str, body: str, status_callback: str | None = None) -> SentText:
    if backend_name() == "twilio":
        from app.integrations import twilio_sms
        return twilio_sms.send_text(to, body, status_callback)
    sid = CONSOLE_PREFIX + uuid.uuid4().hex
    log.info("console text to %s (%s): %s", to, sid, body)
    return SentText(sid=sid, status="delivered")


def find_sent(to: str, body: str, since, exclude_sids: set[str]) -> SentText | None:
    """Asks the provider whether a text with this body already went to `to` (reconciliation)."""
    if backend_name() == "twilio":
        from app.integrations import twilio_sms
        return twilio_sms.find_sent(to, body, since, exclude_sids)
    return None  # the console keeps no record beyond our own rows


def delivery_failure(error_code: str | None, fallback: str) -> SmsError:
    """What a carrier's "undelivered"/"failed" status callback with this code means, as an SmsError."""
    if backend_name() == "twilio" or error_code:
        from app.integrations import twilio_sms
        return twilio_sms.failure(error_code, fallback)
    return SmsError(fallback, error_code)


def signature_is_valid(url: str, params: dict, signature: str) -> bool:
    from app.integrations import twilio_sms
    return twilio_sms.signature_is_valid(url, params, signature)
