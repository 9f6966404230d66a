"""The client's side: a tokenized invoice page, no account needed."""
from flask import abort, current_app, redirect, render_template, url_for
from flask_login import current_user

from app.blueprints.public import bp
from app.extensions import client_ip, limiter
from app.services import payments
from app.services.links import invoice_for_token
from app.services.public_invoice import public_view, record_view

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


@bp.after_request
def keep_it_private(response):
    """The link is the key: no caching, no leaking it to other sites, no search engines."""
    response.headers.update(PRIVATE_HEADERS)
    return response


@bp.errorhandler(404)
def not_found(_error):
    """Unknown, malformed and revoked links all get this same page."""
    return render_template("public/not_found.html"), 404


def _invoice_or_404(token: str):
    invoice = invoice_for_token(token)
    if invoice is None:
        abort(404)
    return invoice


def public_rate_limit() -> str:
    return current_app.config.get("PUBLIC_RATE_LIMIT", "60 per minute")


@bp.route("/i/<token>")
@limiter.limit(public_rate_limit, key_func=client_ip, scope="public-invoice")
def invoice(token: str):
    found = _invoice_or_404(token)
    if not (current_user.is_authenticated and current_user.id == found.trainer_id):
        record_view(found.id)
    return render_template("public/invoice.html", view=public_view(found), token=token)


@bp.route("/i/<token>/venmo-paid", methods=["POST"])
@limiter.limit(public_rate_limit, key_func=client_ip, scope="public-invoice")
def venmo_paid(token: str):
    """"I've paid with Venmo": a pending payment for the trainer to confirm, never "paid" by itself."""
    found = _invoice_or_404(token)
    payments.report_venmo_payment(found.id)
    return redirect(url_for("public.invoice", token=token, _anchor="pay"), code=303)
