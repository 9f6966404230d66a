"""Blueprints: thin views that parse a form, call one service and render."""
import re
from urllib.parse import urlsplit

from flask import Response, abort, flash, redirect, render_template, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from app.services import ServiceError, pdf_documents
from app.tenancy import is_row_id


class RowIdConverter(IntegerConverter):
    """`<int:…>` in every route: a number no row can have is a 404 before any query, whatever the method
    (a plain "no match" would be a 405 where another rule has the same path for other methods)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number and not is_row_id(number):  # 0 is no row either, but rq-dashboard's instance number
            raise NotFound()
        return number


def is_htmx() -> bool:
    """A fragment is wanted when htmx asks, unless it is a boosted full-page navigation."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


# Phones say so in their user agent; tablets and computers do not ("Android" without "Mobile" is a tablet).
_PHONE_USER_AGENT = re.compile(r"iPhone|iPod|Android.*Mobile|Windows Phone", re.IGNORECASE)


def is_phone() -> bool:
    """A plain user-agent check, for defaults only (never for what a person may do)."""
    return bool(_PHONE_USER_AGENT.search(request.headers.get("User-Agent", "")))


def render_page_or_fragment(page: str, fragment: str, **ctx):
    """The page, or just its fragment for htmx (every HTML response says `Vary: HX-Request`, see
    app/security.py)."""
    return render_template(fragment if is_htmx() else page, **ctx)


def safe_next(target: str | None, default: str) -> str:
    """Only a path of this app: no scheme, no host, no '//' or backslash tricks."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")) \
            or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


def first_error(form, default: str = "Check the highlighted field.") -> str:
    """The first message a form's validation left, for a flash or a card's error line."""
    return next((e for errs in form.errors.values() for e in errs), default)


def apply_service_error(form, error) -> None:
    """Put a service's refusal next to its field (or at the top of the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


def post_form(form, action, success, to):
    """The shape of a form post: validate the form, call one service (`action()`), flash `success`
    and redirect `to` (each a text, or a function of what the service returned). Returns None when
    the form or the service refused, with the reason beside its field, for the view to show the form
    again; another trainer's row (LookupError) is a 404."""
    if not form.validate():
        return None
    try:
        result = action()
    except LookupError:
        abort(404)
    except ServiceError as e:
        apply_service_error(form, e)
        return None
    flash(success(result) if callable(success) else success, "success")
    return redirect(to(result) if callable(to) else to)


def pdf_download(invoice, kind: str) -> Response:
    """The invoice's PDF (`kind`: "invoice" or "receipt"), shown in the browser's viewer and saved under
    its number; a 404 where there is none (a draft, a receipt before anything was paid)."""
    try:
        body = pdf_documents.document_pdf(invoice.id, kind)
    except pdf_documents.NoDocument:
        abort(404)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{pdf_documents.pdf_filename(invoice, kind)}"',
        "Cache-Control": "no-store"})
