"""Submitting a batch, its status, and the finalized invoices."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints import first_error, pdf_download, post_form, render_page_or_fragment
from app.blueprints.invoices import bp
from app.blueprints.invoices.drafts_routes import actor
from app.blueprints.invoices.forms import PaymentForm, RefundForm, VoidForm
from app.models import Invoice, InvoiceStatus, PaymentMethod
from app.services import ServiceError, autopay_cycle, invoice_views, invoices, links, payments
from app.services.links import public_url
from app.services.submit import submit_batch
from app.tenancy import get_owned_or_404
from app.services.text_quota import ResendTooSoon
from app.timefmt import local_time, local_today


@bp.route("/submit", methods=["POST"])
@login_required
def submit():
    versions = {}
    for key, value in request.form.items():
        if key.startswith("v-") and key[2:].isdigit() and value.isdigit():
            versions[int(key[2:])] = int(value)
    try:
        result = submit_batch(current_user.id, request.form.get("submit_key", ""), versions, actor())
    except ServiceError as e:
        flash(e.message, "error")
        return redirect(url_for("invoices.create"), code=303)
    return redirect(url_for("invoices.batch", batch_id=result.batch.id), code=303)


@bp.route("/batches/<int:batch_id>")
@login_required
def batch(batch_id: int):
    found = invoices.batch_status(current_user.id, batch_id)
    if found is None:
        abort(404)
    batch, rows, pending = found
    response = render_page_or_fragment("invoices/batch.html", "invoices/_batch_status.html",
                                       batch=batch, rows=rows, pending=pending, public_url=public_url)
    return response


@bp.route("/")
@login_required
def index():
    status = request.args.get("status", "open")
    if status not in invoices.FILTERS:
        status = "open"
    query = request.args.get("q", "")[:100]
    today = local_today(current_user.timezone)
    listing = invoices.list_invoices(current_user.id, status, query, today)
    return render_page_or_fragment("invoices/index.html", "invoices/_list.html", listing=listing,
                                   status=status, query=query, today=today)


def _detail(invoice: Invoice, void_form=None, payment_form=None, status=200):
    if payment_form is None:
        payment_form = PaymentForm(formdata=None, received_on=local_today(current_user.timezone),
                                   amount=invoice.due_cents or None)
    return render_template(
        "invoices/show.html", invoice=invoice, events=invoices.history(invoice.id),
        messages=invoices.messages_for(invoice.id), payments=payments.payments_for(invoice.id),
        void_form=void_form or VoidForm(formdata=None), payment_form=payment_form,
        today=local_today(current_user.timezone), link=public_url(invoice) if invoice.public_id else None,
        views=invoice_views.views_of(invoice),
        autopay_fallback=autopay_cycle.fallback_reason(current_user.id, invoice.id),
    ), status


def _finalized_or_404(invoice_id: int) -> Invoice:
    invoice = get_owned_or_404(Invoice, current_user.id, invoice_id)
    if invoice.status == InvoiceStatus.draft:
        abort(404)
    return invoice


@bp.route("/<int:invoice_id>")
@login_required
def show(invoice_id: int):
    return _detail(_finalized_or_404(invoice_id))


@bp.route("/<int:invoice_id>/pdf")
@login_required
def pdf(invoice_id: int):
    return pdf_download(_finalized_or_404(invoice_id), "invoice")


@bp.route("/<int:invoice_id>/receipt/pdf")
@login_required
def receipt_pdf(invoice_id: int):
    return pdf_download(_finalized_or_404(invoice_id), "receipt")


@bp.route("/<int:invoice_id>/resend", methods=["POST"])
@login_required
def resend(invoice_id: int):
    invoice = _finalized_or_404(invoice_id)
    try:
        message = invoices.resend_invoice(current_user.id, invoice.id, actor())
        queued = ("Copy queued, marked paid." if invoice.status == InvoiceStatus.paid
                  else "Email queued." if message.channel == "email" else "Text queued.")
        flash(queued if message.is_pending else f"Not texted: {message.error_message}",
              "success" if message.is_pending else "error")
    except ResendTooSoon as e:
        flash(f"You can resend this invoice at {local_time(e.allowed_at)}.", "error")
    except ServiceError as e:
        flash(e.message, "error")
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


@bp.route("/<int:invoice_id>/void", methods=["POST"])
@login_required
def void(invoice_id: int):
    invoice = _finalized_or_404(invoice_id)
    form = VoidForm()
    return post_form(form, lambda: invoices.void_invoice(current_user.id, invoice.id, actor(), form.reason.data),
                     "Invoice voided. Its lines are back on the client's draft, as they were billed.",
                     url_for("invoices.show", invoice_id=invoice.id)) or _detail(invoice, void_form=form)


@bp.route("/<int:invoice_id>/payments", methods=["POST"])
@login_required
def record_payment(invoice_id: int):
    invoice = _finalized_or_404(invoice_id)
    form = PaymentForm()
    return post_form(form, lambda: payments.record_manual_payment(
        current_user.id, invoice.id, actor(), amount_cents=form.amount.data, method=PaymentMethod(form.method.data),
        received_on=form.received_on.data, note=form.note.data, form_key=form.form_key.data),
        "Payment recorded.", url_for("invoices.show", invoice_id=invoice.id)) or _detail(invoice, payment_form=form)


@bp.route("/<int:invoice_id>/payments/<int:payment_id>/delete", methods=["POST"])
@login_required
def delete_payment(invoice_id: int, payment_id: int):
    invoice = _finalized_or_404(invoice_id)
    try:
        payments.delete_payment(current_user.id, invoice.id, payment_id, actor(), request.form.get("reason", ""))
        flash("Payment deleted.", "success")
    except LookupError:
        abort(404)
    except ServiceError as e:
        flash(e.message, "error")
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


@bp.route("/<int:invoice_id>/payments/<int:payment_id>/refund", methods=["POST"])
@login_required
def refund_payment(invoice_id: int, payment_id: int):
    invoice = _finalized_or_404(invoice_id)
    form = RefundForm()
    if form.validate():
        try:
            payments.refund_manual_payment(current_user.id, invoice.id, payment_id, actor(),
                                           amount_cents=form.amount.data, reason=form.reason.data)
        except LookupError:
            abort(404)
        except ServiceError as e:
            flash(e.message, "error")
        else:
            flash("Refund recorded.", "success")
    else:
        flash(first_error(form), "error")
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


@bp.route("/<int:invoice_id>/link/<action>", methods=["POST"])
@login_required
def link(invoice_id: int, action: str):
    """Reissue (new link, old one dead) or revoke the client's link."""
    invoice = _finalized_or_404(invoice_id)
    if action == "reissue":
        try:
            links.reissue_link(current_user.id, invoice.id, actor())
            flash("New link made. The old one no longer opens the invoice.", "success")
        except ServiceError as e:
            flash(e.message, "error")
    elif action == "revoke":
        links.revoke_link(current_user.id, invoice.id, actor())
        flash("Link revoked. Reissue one to share the invoice again.", "success")
    else:
        abort(404)
    return redirect(url_for("invoices.show", invoice_id=invoice.id))


@bp.route("/payments/<int:payment_id>/<decision>", methods=["POST"])
@login_required
def decide_payment(payment_id: int, decision: str):
    """Confirm (the money is in Venmo) or reject a payment the client reported."""
    if decision not in ("confirm", "reject"):
        abort(404)
    try:
        if decision == "confirm":
            payment = payments.confirm_payment(current_user.id, payment_id, actor())
            flash("Payment confirmed.", "success")
        else:
            payment = payments.reject_payment(current_user.id, payment_id, actor())
            flash("Marked as not received. The invoice stays open.", "success")
    except LookupError:
        abort(404)
    if request.form.get("back") == "invoice":
        return redirect(url_for("invoices.show", invoice_id=payment.invoice_id))
    return redirect(url_for("main.dashboard"))
