"""A client's packs: what is left of each, and selling one (a line on the client's draft)."""
from flask import url_for
from flask_login import current_user, login_required

from app.blueprints import post_form
from app.blueprints.clients import bp
from app.blueprints.clients.forms import SellPackForm
from app.models import Client
from app.services import packs, plans
from app.tenancy import get_owned_or_404
from app.timefmt import local_today


def pack_section(client: Client, sell_form: SellPackForm | None = None) -> dict:
    """What the client page's Packs section shows."""
    form = sell_form or SellPackForm(formdata=None)
    form.plan_id.choices = [(p.id, f"{p.name} · {p.sessions_total} sessions") for p in
                            plans.sellable_plans(current_user.id)]
    today = local_today(current_user.timezone)
    return {"packs": packs.client_packs(current_user.id, client.id, today), "sell_form": form, "today": today}


@bp.route("/<int:client_id>/packs", methods=["POST"])
@login_required
def sell_pack(client_id: int):
    client = get_owned_or_404(Client, current_user.id, client_id)
    form = SellPackForm()
    done = post_form(form, lambda: packs.sell_pack(current_user.id, client.id, form.plan_id.data, current_user.email),
                     f"Pack added to {client.name}'s invoice. Send it from Create invoices.",
                     url_for("clients.show", client_id=client.id))
    from app.blueprints.clients.routes import show_page  # the page's one view, with this form's errors
    return done or show_page(client, sell_form=form)
