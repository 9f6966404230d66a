"""The client's side: a tokenized invoice page, no account needed."""
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.blueprints.public import bp, invoice_or_404
from app.extensions import client_ip, limiter
from app.services import form_keys, payments, public_page
from app.services.links import public_id_for_token
from app.services.public_invoice import is_link_preview, public_view

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


def public_rate_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


@bp.route("/i/<token>")
@limiter.exempt  # limited per IP by public_page.visit, counted in the process with the view (page_visits)
def invoice(token: str):
    public_id = public_id_for_token(token)
    state = public_page.page_state(public_id) if public_id else None
    counted = state is not None and not is_link_preview(request.headers.get("User-Agent", "")) \
        and not _signed_in_as(state.owner_id)
    visit = public_page.visit(client_ip(), state, count_view=counted)
    if not visit.allowed:
        abort(429)
    if state is None:
        abort(404)
    return _filled_in(visit.copy or _render_and_keep(token, public_id, state))


def _filled_in(page: str) -> str:
    """The copy with this visitor's own CSRF token, and a new one-time key for its Venmo form."""
    slots = ((public_page.form_token_slot(), generate_csrf), (public_page.form_key_slot(), form_keys.new_key))
    for slot, value in slots:
        if slot in page:
            page = page.replace(slot, value())
    return page


def _signed_in_as(trainer_id: int) -> bool:
    """Whether the trainer herself is looking (her views are not counted either). A visitor with no
    cookies is signed in as nobody: most clients, and no need to look anyone up."""
    return bool(request.cookies) and current_user.is_authenticated and current_user.id == trainer_id


def _render_and_keep(token: str, public_id: str, state: public_page.PageState) -> str:
    found = invoice_or_404(token)
    page = render_template("public/invoice.html", view=public_view(found), token=token,
                           form_token=public_page.form_token_slot(), form_key=public_page.form_key_slot())
    public_page.keep_copy(public_id, state, page)
    return page


@bp.route("/i/<token>/venmo-paid", methods=["POST"])
@limiter.limit(public_rate_limit, key_func=client_ip, scope="public-invoice")
def venmo_paid(token: str):
    """"I've paid with Venmo": a pending payment for the trainer to confirm, never "paid" by itself."""
    found = invoice_or_404(token)
    payments.report_venmo_payment(found.id, request.form.get("form_key"))
    return redirect(url_for("public.invoice", token=token, _anchor="pay"), code=303)
