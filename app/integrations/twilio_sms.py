"""Twilio, behind three functions. The only module that imports the twilio SDK."""
from datetime import datetime

import requests
from flask import current_app
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from app.integrations.sms import (OPTED_OUT, SentText, SmsError, SmsTransientError, SmsUnknownOutcome,
                                  plain_error)

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
        if code == OPTED_OUT:
            raise SmsError("The client replied STOP; texts are blocked until they reply START.", code,
                           permanent=True) from e
        raise SmsError(plain_error(code, f"Twilio refused the text: {e.msg}"), code, permanent=True) from e
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
