from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints import post_form, render_page_or_fragment, safe_next
from app.blueprints.clients import bp
from app.blueprints.clients.forms import AccountPaymentForm, ClientForm, CreditForm, CreditRefundForm, WriteOffForm
from app.blueprints.fields import EARLIEST_DATE, LATEST_DATE
from app.blueprints.invoices.drafts_routes import actor
from app.models import Client, Invoice, PaymentMethod
from app.money import MoneyError, parse_cents
from app.blueprints.clients.membership_routes import membership_section
from app.blueprints.clients.packs_routes import pack_section
from app.blueprints.clients.autopay_routes import autopay_section
from app.services import (ServiceError, autopay_cards, billing_page, client_accounts, clients, profiles,
                          sessions, stripe_sync_state)
from app.tenancy import get_owned_or_404
from app.timefmt import local_today


@bp.route("/")
@login_required
def index():
    query = request.args.get("q", "")[:100]
    archived = request.args.get("show") == "archived"
    rows = clients.list_clients(current_user.id, query, archived)
    return render_page_or_fragment("clients/index.html", "clients/_list.html",
                                   clients=rows, query=query, archived=archived,
                                   cards=autopay_cards.cards_by_client(current_user.id),
                                   today=local_today(current_user.timezone))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = ClientForm()
    form.mobile.region = profiles.phone_region(current_user)
    if form.validate_on_submit():
        client = clients.create_client(current_user.id, form.form_key.data, **form.values())
        flash(f"{client.name} added.", "success")
        _warn_of_a_shared_mobile(client)
        if request.args.get("then") == "session":  # came from "Log session" with no client to log it for
            return redirect(url_for("sessions.new", client_id=client.id))
        return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", form=form, client=None)


def _warn_of_a_shared_mobile(client: Client) -> None:
    others = clients.others_with_mobile(current_user.id, client)
    if others:
        names = ", ".join(other.name for other in others)
        flash(f"{names} {'has' if len(others) == 1 else 'have'} this mobile number too: texts to both go to one phone, and a STOP from it "
              "stops both.", "warning")


@bp.route("/<int:client_id>")
@login_required
def show(client_id: int):
    return show_page(get_owned_or_404(Client, current_user.id, client_id))


def show_page(client: Client, **forms):
    """The client page, with any form that was just posted (and its errors) in place of a blank one."""
    recent = sessions.list_for_client(current_user.id, client.id)
    today = local_today(current_user.timezone)
    start = _statement_start(request.args.get("from"))
    forms.setdefault("payment_form", AccountPaymentForm(formdata=None, received_on=today))
    forms.setdefault("credit_form", CreditForm(formdata=None))
    forms.setdefault("refund_form", CreditRefundForm(formdata=None))
    forms.setdefault("write_off_form", WriteOffForm(formdata=None))
    return render_template("clients/show.html", client=client, sessions=recent,
                           rate_cents=clients.effective_rate_cents(client, current_user),
                           statement=client_accounts.statement(current_user.id, client.id, start),
                           open_invoices=client_accounts.open_invoices(current_user.id, client.id),
                           refundable_cents=client_accounts.refundable_credit_cents(client.id),
                           billing_link=billing_page.billing_page_link(current_user.id, client.id),
                           stripe_sync=stripe_sync_state.client_draft_state(current_user.id, client.id),
                           **autopay_section(client, today),
                           **pack_section(client, forms.pop("sell_form", None)),
                           **membership_section(client, forms.pop("start_form", None), forms.pop("change_form", None),
                                                forms.pop("cancel_form", None)), **forms)


def _statement_start(text: str | None) -> date | None:
    """The statement's first day as chosen (?from=YYYY-MM-DD, 1900-2100); None leaves it to the statement
    (90 days back)."""
    try:
        start = date.fromisoformat((text or "")[:10])
    except ValueError:
        return None
    return start if EARLIEST_DATE <= start <= LATEST_DATE else None


@bp.route("/<int:client_id>/payments", methods=["POST"])
@login_required
def record_payment(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    form = AccountPaymentForm()
    return post_form(form, lambda: client_accounts.record_client_payment(
        current_user.id, client.id, actor(), amount_cents=form.amount.data,
        method=PaymentMethod(form.method.data), received_on=form.received_on.data, note=form.note.data,
        split=_split_typed(), form_key=form.form_key.data),
        "Payment recorded.", _client_url(client)) or show_page(client, payment_form=form)


def _split_typed() -> dict[int, int] | None:
    """The amounts typed beside each open invoice (fields apply-<invoice id>), or None: oldest first."""
    split = {}
    for name, value in request.form.items():
        if name.startswith("apply-") and value.strip():
            try:
                split[int(name[len("apply-"):])] = parse_cents(value)
            except (ValueError, MoneyError) as e:
                raise ServiceError(f"An amount applied to an invoice is not an amount: {e}", "amount") from None
    return split or None


@bp.route("/<int:client_id>/credits", methods=["POST"])
@login_required
def issue_credit(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    form = CreditForm()
    return post_form(form, lambda: client_accounts.issue_credit(
        current_user.id, client.id, actor(), amount_cents=form.amount.data, reason=form.reason.data,
        form_key=form.form_key.data), "Credit given.", _client_url(client)) or show_page(client, credit_form=form)


@bp.route("/<int:client_id>/credit-refunds", methods=["POST"])
@login_required
def refund_credit(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    form = CreditRefundForm()
    return post_form(form, lambda: client_accounts.refund_credit(
        current_user.id, client.id, actor(), amount_cents=form.amount.data, reason=form.reason.data),
        "Refund of credit recorded.", _client_url(client)) or show_page(client, refund_form=form)


@bp.route("/<int:client_id>/invoices/<int:invoice_id>/write-off", methods=["POST"])
@login_required
def write_off(client_id: int, invoice_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    invoice = get_owned_or_404(Invoice, current_user.id, invoice_id)
    if invoice.client_id != client.id:
        abort(404)
    form = WriteOffForm()
    return post_form(form, lambda: client_accounts.write_off(current_user.id, invoice.id, actor(), form.reason.data),
                     "Written off.", _client_url(client)) or show_page(client, write_off_form=form)


def _client_url(client: Client) -> str:
    return url_for("clients.show", client_id=client.id)


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@login_required
def edit(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    form = ClientForm(obj=client)
    form.mobile.region = profiles.phone_region(current_user)
    # From "will not be texted" on the create-invoices page: back there once fixed (or cancelled).
    back = safe_next(request.args.get("next"), url_for("clients.show", client_id=client.id))
    if form.validate_on_submit():
        clients.update_client(current_user.id, client.id, **form.values())
        flash("Client saved.", "success")
        _warn_of_a_shared_mobile(client)
        return redirect(back)
    return render_template("clients/form.html", form=form, client=client, back=back,
                           shared_with=clients.others_with_mobile(current_user.id, client))


@bp.route("/<int:client_id>/archive", methods=["POST"])
@login_required
def archive(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    archived = request.form.get("archived", "1") == "1"
    clients.set_archived(current_user.id, client.id, archived)
    flash(f"{client.name} {'archived' if archived else 'restored'}.", "success")
    return redirect(url_for("clients.show", client_id=client.id))
