from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints import render_page_or_fragment, safe_next
from app.blueprints.clients import bp
from app.blueprints.clients.forms import ClientForm
from app.blueprints.clients.packs_routes import pack_section
from app.models import Client
from app.services import clients, profiles, sessions
from app.tenancy import get_owned_or_404


@bp.route("/")
@login_required
def index():
    query = request.args.get("q", "")[:100]
    archived = request.args.get("show") == "archived"
    rows = clients.list_clients(current_user.id, query, archived)
    return render_page_or_fragment("clients/index.html", "clients/_list.html",
                                   clients=rows, query=query, archived=archived)


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
    client = get_owned_or_404(Client, current_user.id, client_id)
    recent = sessions.list_for_client(current_user.id, client.id)
    return render_template("clients/show.html", client=client, sessions=recent,
                           rate_cents=clients.effective_rate_cents(client, current_user), **pack_section(client))


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
