"""The create-invoices page and its in-place adjustments (HTMX fragments, or plain posts)."""
import secrets

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints import apply_service_error, first_error, is_htmx
from app.blueprints.invoices import bp
from app.blueprints.invoices.forms import AddLineForm, ChargeForm, IncludeForm, LineForm, NoteForm
from app.models import InvoiceStatus
from app.services import ServiceError, batch_bar, drafts, stripe_sync_state
from app.services.billing_engine import build_drafts
from app.services.drafts import DraftNotFound, StaleDraft


def actor() -> str:
    return current_user.name or current_user.email


@bp.route("/bill", methods=["POST"])
@login_required
def bill():
    """Bill now: the billing engine brings every client's draft up to date, then the drafts are shown."""
    build_drafts(current_user.id)
    return redirect(url_for("invoices.create"), code=303)


@bp.route("/create")
@login_required
def create():
    """The drafts as the engine last left them: reading this page builds nothing."""
    all_drafts = drafts.load_drafts(current_user.id)
    return render_template("invoices/create.html", drafts=all_drafts, bar=batch_bar.bar_from_drafts(all_drafts),
                           submit_key=_new_submit_key(),
                           sync_states=stripe_sync_state.sync_states(current_user.id, [d.id for d in all_drafts]))


def _new_submit_key() -> str:
    """Names this page's batch: a second submit with the same key shows the first batch."""
    return secrets.token_urlsafe(16)


def _respond(invoice_id: int, *, invoice=None, error: str | None = None, form=None, line_id: int | None = None,
             add_form=None, note_form=None, saved_line_id: int | None = None):
    """The client's card and (out of band) the batch bar, or a redirect without JavaScript.
    `invoice` is the draft the adjustment returned; after a refusal it is loaded again."""
    if not is_htmx():
        if error:
            flash(error, "error")
        return redirect(url_for("invoices.create", _anchor=f"draft-{invoice_id}"))
    invoice = invoice or _owned_or_404(invoice_id)
    bar = batch_bar.load_batch_bar(current_user.id)
    submit_key = _new_submit_key()
    if invoice.status != InvoiceStatus.draft:  # finalized meanwhile (another tab sent it)
        return render_template("invoices/_draft_gone.html", invoice=invoice, bar=bar, message=error,
                               submit_key=submit_key)
    if saved_line_id is not None:  # saved in place: the line's head and the figures, out of band
        line = next(line for line in invoice.lines if line.id == saved_line_id)
        return render_template("invoices/_line_saved.html", draft=invoice, line=line, bar=bar,
                               submit_key=submit_key)
    response = make_response(render_template(
        "invoices/_draft_response.html", draft=invoice, bar=bar, card_error=error, error_form=form,
        error_line_id=line_id, add_form=add_form, note_form=note_form, open_card=True, submit_key=submit_key))
    # Whatever element asked (a line saved in place swaps nothing), a refusal shows the whole card.
    response.headers["HX-Retarget"] = f"#draft-{invoice_id}"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def _run(invoice_id: int, action, *, form=None, line_id=None, saved_line_id=None, **form_slots):
    """Runs one adjustment. The service finds the draft among the trainer's own (another's is a 404)."""
    try:
        invoice = action()
    except StaleDraft as e:
        return _respond(invoice_id, error=e.message)
    except DraftNotFound:
        abort(404)
    except ServiceError as e:
        if form is not None:
            apply_service_error(form, e)
        return _respond(invoice_id, error=e.message, form=form, line_id=line_id, **form_slots)
    return _respond(invoice_id, invoice=invoice, saved_line_id=saved_line_id)


def _invalid(invoice_id, form, line_id=None, **form_slots):
    """Form errors (bad price, quantity...) shown beside the field; nothing changed."""
    _owned_or_404(invoice_id)  # another trainer's draft is a 404, whatever was posted
    return _respond(invoice_id, error=first_error(form), form=form, line_id=line_id, **form_slots)


def _owned_or_404(invoice_id: int):
    try:
        return drafts.get_draft(current_user.id, invoice_id)
    except DraftNotFound:
        abort(404)


@bp.route("/drafts/<int:invoice_id>/lines/<int:line_id>", methods=["GET"])
@login_required
def edit_line(invoice_id: int, line_id: int):
    """The line's edit form: swapped in place by htmx, or a page of its own without JavaScript."""
    invoice = _owned_or_404(invoice_id)
    line = next((line for line in invoice.lines if line.id == line_id), None)
    if line is None or invoice.status != InvoiceStatus.draft:
        abort(404)
    editing = request.args.get("mode") != "view"
    if is_htmx():
        return render_template("invoices/_line.html", draft=invoice, line=line, cur=invoice.currency,
                               editing=editing)
    return render_template("invoices/line.html", draft=invoice, line=line, cur=invoice.currency, editing=True)


@bp.route("/drafts/<int:invoice_id>/lines/<int:line_id>", methods=["POST"])
@login_required
def update_line(invoice_id: int, line_id: int):
    form = LineForm()
    if not form.validate():
        return _invalid(invoice_id, form, line_id)
    return _run(invoice_id, lambda: drafts.update_line(
        current_user.id, invoice_id, line_id, form.version.data, actor(),
        unit_price_cents=form.unit_price.data, quantity=form.quantity.data,
        description=form.description.data, no_charge=form.no_charge.data,
        no_charge_reason=form.no_charge_reason.data), form=form, line_id=line_id)


@bp.route("/drafts/<int:invoice_id>/lines/<int:line_id>/charge", methods=["POST"])
@login_required
def charge_line(invoice_id: int, line_id: int):
    """The price and no-charge of a line, saved as they change."""
    form = ChargeForm()
    if not form.validate():
        return _invalid(invoice_id, form, line_id)
    return _run(invoice_id, lambda: drafts.update_line(
        current_user.id, invoice_id, line_id, form.version.data, actor(), unit_price_cents=form.unit_price.data,
        no_charge=form.no_charge.data, no_charge_reason=form.no_charge_reason.data),
        form=form, line_id=line_id, saved_line_id=line_id)


@bp.route("/drafts/<int:invoice_id>/lines/<int:line_id>/remove", methods=["POST"])
@login_required
def remove_line(invoice_id: int, line_id: int):
    return _run(invoice_id, lambda: drafts.remove_line(current_user.id, invoice_id, line_id,
                                                        request.form.get("version", type=int), actor()))


@bp.route("/drafts/<int:invoice_id>/lines/<int:line_id>/restore", methods=["POST"])
@login_required
def restore_line(invoice_id: int, line_id: int):
    return _run(invoice_id, lambda: drafts.restore_line(current_user.id, invoice_id, line_id,
                                                         request.form.get("version", type=int), actor()))


@bp.route("/drafts/<int:invoice_id>/lines", methods=["POST"])
@login_required
def add_line(invoice_id: int):
    form = AddLineForm()
    if not form.validate():
        return _invalid(invoice_id, form, add_form=form)
    return _run(invoice_id, lambda: drafts.add_line(
        current_user.id, invoice_id, form.version.data, actor(), description=form.description.data,
        quantity=form.quantity.data, unit_price_cents=form.unit_price.data), form=form, add_form=form)


@bp.route("/drafts/<int:invoice_id>/note", methods=["POST"])
@login_required
def set_note(invoice_id: int):
    form = NoteForm()
    if not form.validate():
        return _invalid(invoice_id, form, note_form=form)
    return _run(invoice_id, lambda: drafts.set_note(current_user.id, invoice_id, form.version.data, actor(),
                                                     form.note.data), form=form, note_form=form)


@bp.route("/drafts/<int:invoice_id>/include", methods=["POST"])
@login_required
def set_included(invoice_id: int):
    form = IncludeForm()
    if not form.validate():
        return _invalid(invoice_id, form)
    return _run(invoice_id, lambda: drafts.set_included(current_user.id, invoice_id, form.version.data, actor(),
                                                         form.included.data == "1"))
