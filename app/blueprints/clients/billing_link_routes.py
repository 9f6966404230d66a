"""The client's billing page link, from her page: texted on request, copied to share by hand, or revoked."""
from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from app.blueprints.clients import bp
from app.models import Client
from app.services import ServiceError, billing_page, links
from app.tenancy import get_owned_or_404
from app.timefmt import local_time


@bp.route("/<int:client_id>/billing-link/text", methods=["POST"])
@login_required
def text_billing_link(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    try:
        message = billing_page.send_billing_page_link(current_user.id, client.id)
    except billing_page.LinkTextedTooSoon as e:
        flash(f"The billing page link was just texted. You can text it again at {local_time(e.allowed_at)}, "
              "or share the link below yourself.", "error")
    except LookupError:
        abort(404)
    except ServiceError as e:
        flash(e.message, "error")
    else:
        flash(f"Billing page link texted to {client.first_name}." if message.is_pending
              else f"Not texted: {message.error_message} Share the link below yourself.",
              "success" if message.is_pending else "error")
    return redirect(url_for("clients.show", client_id=client.id, _anchor="billing-link"))


@bp.route("/<int:client_id>/billing-link/share", methods=["POST"])
@login_required
def share_billing_link(client_id: int):
    """Makes the link (if there is none yet) to copy or share by hand; texts nothing."""
    client = get_owned_or_404(Client, current_user.id, client_id)
    links.ensure_billing_page_link(current_user.id, client.id)
    return redirect(url_for("clients.show", client_id=client.id, _anchor="billing-link"))


@bp.route("/<int:client_id>/billing-link/revoke", methods=["POST"])
@login_required
def revoke_billing_link(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    links.revoke_billing_page_link(current_user.id, client.id)
    flash("The old billing page link no longer opens. Send or share the new one below.", "success")
    return redirect(url_for("clients.show", client_id=client.id, _anchor="billing-link"))
