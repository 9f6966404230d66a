"""Twilio, behind three functions. The only module that imports the twilio SDK."""
from datetime import datetime

import requests
from flask import current_app
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from app.integrations.sms import SentText, SmsError, SmsTransientError, SmsUnknownOutcome

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


def failure(code: str | None, fallback: str) -> SmsError:
    """Twilio's error code as a plain SmsError: opted out, a bad number, or other words."""
    if code == OPTED_OUT:
        return SmsError("The client replied STOP; texts are blocked until they reply START.", code,
                        permanent=True, opted_out=True)
    return SmsError(plain_error(code, fallback), code, permanent=True, number_problem=BAD_NUMBER_CODES.get(code or ""))


LIST_PAGE_SIZE = 50  # Twilio's own page size
LIST_MOST_TEXTS = 2 * LIST_PAGE_SIZE  # reconciling reads at most two pages of one number's texts

def _client() -> Client:
    config = current_app.config
    http = TwilioHttpClient(timeout=config["TWILIO_TIMEOUT_SECONDS"], max_retries=0)
    client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http)
    if config.get("TWILIO_API_BASE"):
        client.api.base_url = config["TWILIO_API_BASE"].rstrip("/")
    return client


def _sender() -> dict:
    config = current_app.config
    if config.get("TWILIO_MESSAGING_SERVICE_SID"):
        return {"messaging_service_sid": config["TWILIO_MESSAGING_SERVICE_SID"]}
    return {"from_": config["TWILIO_FROM_NUMBER"]}


def _request_never_left(error: requests.exceptions.ConnectionError) -> bool:
    """Refused or timed out while connecting: nothing reached Twilio."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    text = f"{type(reason).__name__} {reason}"
    return "NewConnectionError" in text or "Connection refused" in text or "NameResolution" in text


def send_text(to: str, body: str, status_callback: str | None = None) -> SentText:
    try:
        message = _client().messages.create(to=to, body=body, status_callback=status_callback, **_sender())
    except TwilioRestException as e:
        code = str(e.code) if e.code else None
        if e.status == 429 or e.status >= 500:
            raise SmsTransientError(f"Twilio answered {e.status}; trying again shortly.", code) from e
        raise failure(code, f"Twilio refused the text: {e.msg}") from e
    except requests.exceptions.ConnectionError as e:
        if _request_never_left(e):
            raise SmsTransientError("Could not reach Twilio; trying again shortly.") from e
        raise SmsUnknownOutcome("The connection to Twilio broke after the text was sent.") from e
    except requests.exceptions.Timeout as e:
        raise SmsUnknownOutcome("Twilio did not answer in time.") from e
    return SentText(sid=message.sid, status=message.status or "queued")


def find_sent(to: str, body: str, since: datetime, exclude_sids: set[str]) -> SentText | None:
    """A message to `to` with exactly `body`, created at or after `since`, that we have not recorded yet.

    Twilio leaves `date_sent` empty while a message waits for the carrier, so the list is asked by
    recipient only, with no date filter, and read newest first (queued ones on top) until a message
    created and sent before `since`: the rest are older still. Raises SmsError when Twilio cannot be
    asked, or when two pages went by without reaching `since` (too many texts to tell)."""
    read = 0
    try:
        for message in _client().messages.stream(to=to, page_size=LIST_PAGE_SIZE, limit=LIST_MOST_TEXTS):
            read += 1
            if _before(message, since):
                return None
            created = message.date_created
            if message.body == body and message.sid not in exclude_sids and (created is None or created >= since):
                return SentText(sid=message.sid, status=message.status or "sent")
    except (TwilioException, requests.exceptions.RequestException) as e:
        raise SmsError(f"Could not ask Twilio which texts went out: {e}") from e
    if read >= LIST_MOST_TEXTS:
        raise SmsError(f"Twilio lists more than {LIST_MOST_TEXTS} recent texts to this number; cannot tell.")
    return None


def _before(message, since: datetime) -> bool:
    """Created and sent before `since`: every message listed after it is older still."""
    return all(moment is not None and moment < since for moment in (message.date_created, message.date_sent))


def signature_is_valid(url: str, params: dict, signature: str) -> bool:
    """Without an auth token nothing is valid: a signature made with an empty key proves nothing."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN") or ""
    if not signature or not token.strip():
        return False
    return RequestValidator(token).validate(url, params, signature)
