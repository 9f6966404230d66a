"""A client's membership: started, changed, paused, resumed and cancelled from the client page."""
from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from app.blueprints import post_form
from app.blueprints.clients import bp
from app.blueprints.clients.forms import CancelMembershipForm, ChangeMembershipForm, StartMembershipForm
from app.models import Client, Membership
from app.money import format_cents
from app.services import ServiceError, memberships, plans
from app.tenancy import get_owned_or_404
from app.timefmt import local_today


def membership_section(client: Client, start_form=None, change_form=None, cancel_form=None) -> dict:
    """What the client page's Membership section shows."""
    choices = [(p.id, p.name) for p in plans.membership_plans(current_user.id)]
    start_form = start_form or StartMembershipForm(formdata=None, start_on=local_today(current_user.timezone))
    change_form = change_form or ChangeMembershipForm(formdata=None)
    start_form.plan_id.choices = change_form.plan_id.choices = choices
    return {"membership": memberships.client_membership(current_user.id, client.id), "start_form": start_form,
            "change_form": change_form, "cancel_form": cancel_form or CancelMembershipForm(formdata=None)}


def _page(client: Client, **forms):
    from app.blueprints.clients.routes import show_page  # the page's one view, with this form's errors
    return show_page(client, **forms)


def _back_url(client: Client) -> str:
    return url_for("clients.show", client_id=client.id) + "#membership"


def _back(client: Client):
    return redirect(_back_url(client))


def _owned(client_id: int, membership_id: int) -> tuple[Client, Membership]:
    client = get_owned_or_404(Client, current_user.id, client_id)
    membership = get_owned_or_404(Membership, current_user.id, membership_id)
    if membership.client_id != client.id:
        abort(404)
    return client, membership


@bp.route("/<int:client_id>/membership", methods=["POST"])
@login_required
def start_membership(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    form = StartMembershipForm()
    return post_form(form, lambda: memberships.start_membership(
        current_user.id, client.id, form.plan_id.data, start_on=form.start_on.data,
        prorate_first=form.first_cycle.data != "full", actor=current_user.email),
        f"Membership started: its first cycle is on {client.name}'s invoice. Send it from Create invoices.",
        _back_url(client)) or _page(client, start_form=form)


@bp.route("/<int:client_id>/membership/<int:membership_id>/change", methods=["POST"])
@login_required
def change_membership(client_id: int, membership_id: int):
    client, membership = _owned(client_id, membership_id)
    form = ChangeMembershipForm()
    return post_form(form, lambda: memberships.change_plan(current_user.id, membership.id, form.plan_id.data,
                                                           actor=current_user.email),
                     _changed, _back_url(client)) or _page(client, change_form=form)


def _changed(change: memberships.Change) -> str:
    currency = current_user.currency
    return (f"Plan changed: {format_cents(change.credited_cents, currency)} credited, "
            f"{format_cents(change.charged_cents, currency)} added to the invoice.")


@bp.route("/<int:client_id>/membership/<int:membership_id>/pause", methods=["POST"])
@login_required
def pause_membership(client_id: int, membership_id: int):
    client, membership = _owned(client_id, membership_id)
    try:
        memberships.pause_membership(current_user.id, membership.id, current_user.email)
    except ServiceError as e:
        flash(e.message, "error")
    else:
        flash("Membership paused: nothing is billed until you resume it.", "success")
    return _back(client)


@bp.route("/<int:client_id>/membership/<int:membership_id>/resume", methods=["POST"])
@login_required
def resume_membership(client_id: int, membership_id: int):
    client, membership = _owned(client_id, membership_id)
    try:
        memberships.resume_membership(current_user.id, membership.id, current_user.email)
    except ServiceError as e:
        flash(e.message, "error")
    else:
        flash("Membership resumed: it renews on its usual day.", "success")
    return _back(client)


@bp.route("/<int:client_id>/membership/<int:membership_id>/cancel", methods=["POST"])
@login_required
def cancel_membership(client_id: int, membership_id: int):
    client, membership = _owned(client_id, membership_id)
    form = CancelMembershipForm()
    if form.validate_on_submit():
        try:
            credit = memberships.cancel_membership(current_user.id, membership.id, now=form.when.data == "now",
                                                   actor=current_user.email)
        except ServiceError as e:
            flash(e.message, "error")
        else:
            flash(f"Membership cancelled; {format_cents(credit, current_user.currency)} credited." if credit
                  else "Membership cancelled: it renews no more.", "success")
    return _back(client)
