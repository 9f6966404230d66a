"""Sending email over SMTP (stdlib smtplib), and a console stand-in for laptops and tests.

Plain values in (a built `email.message.EmailMessage`), the Message-ID out, or a typed error. The
standard library is enough here: one connection per message, STARTTLS or TLS, a timeout on every
socket operation, and the server's own reply codes to tell a transient refusal from a permanent one.
"""
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app

from app.config import mail_backend

log = logging.getLogger(__name__)


class MailError(Exception):
    """The server refused the email for good (5xx), or mail is set up wrongly."""

    def __init__(self, message: str, code: int | None = None, permanent: bool = True):
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class MailTransientError(MailError):
    """Refused for now (4xx), unreachable, timed out or cut off before the server took it: retry."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message, code, permanent=False)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "plain", "starttls" or "tls"
    username: str
    password: str
    timeout: int  # seconds


def smtp_settings(config) -> SmtpSettings:
    """From MAIL_URL (smtp:// is STARTTLS when the server offers it, smtps:// is TLS; ?tls=none for
    neither) or from MAIL_SERVER and its companions."""
    timeout = int(config["MAIL_TIMEOUT_SECONDS"])
    if config.get("MAIL_URL"):
        url = urlsplit(config["MAIL_URL"])
        if url.scheme not in ("smtp", "smtps") or not url.hostname:
            raise MailError("MAIL_URL must look like smtp://user:password@host:587 or smtps://...:465")
        security = "tls" if url.scheme == "smtps" else ("plain" if "tls=none" in url.query else "starttls")
        return SmtpSettings(url.hostname, url.port or (465 if security == "tls" else 587), security,
                            unquote(url.username or ""), unquote(url.password or ""), timeout)
    security = "tls" if config.get("MAIL_USE_SSL") else ("starttls" if config.get("MAIL_USE_TLS") else "plain")
    return SmtpSettings(config["MAIL_SERVER"], int(config["MAIL_PORT"]), security,
                        config.get("MAIL_USERNAME") or "", config.get("MAIL_PASSWORD") or "", timeout)


def backend_name() -> str:
    config = current_app.config
    return mail_backend(config.get("MAIL_BACKEND") or "", config.get("MAIL_URL") or "", config.get("MAIL_SERVER") or "")


def send_email(message: EmailMessage) -> str:
    """Hands the email to the server; returns its Message-ID once the server has accepted it."""
    if backend_name() != "smtp":
        if current_app.config.get("ENV_NAME") == "production":  # never "sent" when nothing went out
            raise MailError("Email is not set up on this server (MAIL_URL); the email was not sent.")
        log.info("console email to %s: %s", message["To"], message["Subject"])
        return message["Message-ID"]
    settings = smtp_settings(current_app.config)
    try:
        _deliver(settings, message)
    except smtplib.SMTPRecipientsRefused as e:
        codes = [code for code, _ in e.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            raise MailTransientError(f"The mail server refused the address for now ({codes[0]}).", codes[0]) from e
        raise MailError(f"The mail server refused this address ({codes[0] if codes else '?'}).",
                        codes[0] if codes else None) from e
    except smtplib.SMTPAuthenticationError as e:
        raise MailError(f"The mail server refused Spotter's login ({e.smtp_code}).", e.smtp_code) from e
    except smtplib.SMTPResponseException as e:  # sender refused, data refused, or refused on connect
        words = (e.smtp_error or b"").decode("utf-8", "replace")[:120]
        if 400 <= e.smtp_code < 500:
            raise MailTransientError(f"The mail server said try later ({e.smtp_code} {words}).", e.smtp_code) from e
        raise MailError(f"The mail server refused the email ({e.smtp_code} {words}).", e.smtp_code) from e
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, socket.timeout, TimeoutError) as e:
        raise MailTransientError(f"The mail server did not take the email: {type(e).__name__} {e}".strip()) from e
    except (OSError, smtplib.SMTPException) as e:  # refused connection, DNS, TLS, reset
        raise MailTransientError(f"Could not reach the mail server: {e}") from e
    return message["Message-ID"]


def _deliver(settings: SmtpSettings, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        smtp.ehlo()
        if settings.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(message)
