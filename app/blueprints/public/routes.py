"""The client's side: a tokenized invoice page, no account needed."""
from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints import pdf_download
from app.blueprints.public import bp, invoice_or_404
from app.extensions import client_ip, limiter
from app.models import InvoiceStatus
from app.services import autopay_links, form_keys, invoice_views, payments
from app.services.public_invoice import public_view

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


@bp.after_request
def keep_it_private(response):
    """The link is the key: no caching, no leaking it to other sites, no search engines."""
    response.headers.update(PRIVATE_HEADERS)
    return response


@bp.errorhandler(404)
def not_found(_error):
    """Unknown, malformed and revoked links all get this same page (a void invoice's link does not);
    a billing page's link says what it was meant to open."""
    return render_template("public/not_found.html", billing_page=request.path.startswith("/b/")), 404


def public_rate_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


@bp.route("/i/<token>")
@limiter.limit(public_rate_limit, key_func=client_ip, scope="public-invoice")
def invoice(token: str):
    found = invoice_or_404(token)
    user_agent = request.headers.get("User-Agent", "")
    cancelled = found.status == InvoiceStatus.void  # her link says so, rather than open nothing
    page = render_template("public/cancelled.html" if cancelled else "public/invoice.html",
                           view=public_view(found, invoice_views.is_phone(user_agent)), token=token,
                           form_key=form_keys.new_key(), autopay_token=autopay_links.link_token(found.client_id))
    if not _signed_in_as(found.trainer_id):  # the trainer checking her own link is not a view
        invoice_views.record_view(found.id, found.trainer_id, user_agent)
    return page


def _signed_in_as(trainer_id: int) -> bool:
    """Whether the trainer herself is looking. A visitor with no cookies is signed in as nobody:
    most clients, and no need to look anyone up."""
    return bool(request.cookies) and current_user.is_authenticated and current_user.id == trainer_id


@bp.route("/i/<token>/pdf")
@limiter.limit(public_rate_limit, key_func=client_ip, scope="public-invoice")
def invoice_pdf(token: str):
    """Her copy for her records (a void invoice's says CANCELLED). Not a view: she opened the page to get it."""
    return pdf_download(invoice_or_404(token), "invoice")


@bp.route("/i/<token>/receipt/pdf")
@limiter.limit(public_rate_limit, key_func=client_ip, scope="public-invoice")
def receipt_pdf(token: str):
    return pdf_download(invoice_or_404(token), "receipt")


@bp.route("/i/<token>/venmo-paid", methods=["POST"])
@limiter.limit(public_rate_limit, key_func=client_ip, scope="public-invoice")
def venmo_paid(token: str):
    """"I've paid with Venmo": a pending payment for the trainer to confirm, never "paid" by itself."""
    found = invoice_or_404(token)
    payments.report_venmo_payment(found.id, request.form.get("form_key"))
    return redirect(url_for("public.invoice", token=token, _anchor="pay"), code=303)
