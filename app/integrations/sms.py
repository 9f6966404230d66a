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

# Twilio error codes that will not change on a retry, in plain words.
OPTED_OUT = "21610"
BAD_NUMBER_CODES = {  # the client's number itself is the problem
    "21211": "This mobile number is not valid.",
    "21612": "Texts cannot reach this number from our sender.",
    "21614": "This number cannot receive texts (a landline?).",
    "21217": "This phone number does not appear to be valid.",
    "21401": "This phone number is not valid.",
    "21421": "This phone number is not valid.",
    "30005": "This number does not exist or is no longer in service.",
    "30006": "This number is a landline or cannot receive texts.",
}
OTHER_ERROR_MESSAGES = {
    "21408": "Texting this country is not enabled for Spotter's sender.",
    "21606": "Texting is not set up correctly (sender number).",
    "30003": "The phone is unreachable or switched off.",
    "30007": "The carrier filtered the text as spam.",
}


def plain_error(code: str | None, fallback: str) -> str:
    return BAD_NUMBER_CODES.get(code or "") or OTHER_ERROR_MESSAGES.get(code or "") or fallback


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


def signature_is_valid(url: str, params: dict, signature: str) -> bool:
    from app.integrations import twilio_sms
    return twilio_sms.signature_is_valid(url, params, signature)
