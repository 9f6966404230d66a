"""gunicorn's access log without the keys to clients' invoices and billing pages: a link `/i/<token>`
(or `/b/<token>`) is written `/i/<its first 6 characters>…`, enough to tell visits apart and too little
to open the invoice."""
import re

from gunicorn.glogging import Logger

INVOICE_LINK = re.compile(r"(/[ib]/[^/?#\s\"]{6})[^/?#\s\"]+")


def redact_invoice_links(text: str) -> str:
    return INVOICE_LINK.sub("\\1…", text)


class RedactingLogger(Logger):
    """gunicorn.conf.py's `logger_class`: every field of the access log line goes through the redaction
    (the request line, the path, the referer and any header a custom format names)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact_invoice_links(value) if isinstance(value, str) else value
                for name, value in atoms.items()}
