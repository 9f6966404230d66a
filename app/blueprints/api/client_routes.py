"""Adding and changing clients: the Add client page's own form checks the fields (so a refusal names the
field in the page's words), and the same service saves them."""
from flask import g, url_for
from werkzeug.datastructures import MultiDict

from app.blueprints.api import bp
from app.blueprints.api.problems import abort_problem
from app.blueprints.api.resources import owned_or_404
from app.blueprints.api.schemas import CLIENT_EXAMPLE, ClientChanges, ClientInput, ClientSchema
from app.blueprints.clients.forms import ClientForm
from app.models import Client
from app.money import cents_to_input
from app.services import clients, profiles

NEW_CLIENT = {"name": "", "mobile": None, "email": None, "default_rate_cents": None, "notes": "",
              "sms_consent": False, "channels": "text", "timezone": None, "reminders_enabled": True}


def _as_formdata(values: dict) -> MultiDict:
    """JSON values as the page's form would post them: money as typed dollars, a ticked box as "y"."""
    form = MultiDict()
    for key, value in values.items():
        if isinstance(value, bool):
            if value:
                form[key] = "y"
        elif key == "default_rate_cents":
            form[key] = cents_to_input(value) if value is not None else ""
        else:
            form[key] = "" if value is None else str(value)
    return form


def _checked_values(values: dict, client: Client | None = None) -> dict:
    form = ClientForm(formdata=_as_formdata(values), obj=client, meta={"csrf": False})
    form.mobile.region = profiles.phone_region_of(g.api_trainer_id)
    if not form.validate():
        abort_problem(422, "The client was not saved: see `errors`.",
                      [{"field": field, "message": message} for field, messages in form.errors.items()
                       if field != "form_key" for message in messages])
    return form.values()


@bp.post("/clients")
@bp.arguments(ClientInput, example={"name": "Ana Lima", "mobile": "(415) 555-0100", "default_rate_cents": 4550})
@bp.response(201, ClientSchema, example=CLIENT_EXAMPLE, headers={
    "Location": {"description": "The new client's URL", "schema": {"type": "string"}}})
def create_client(body):
    client = clients.create_client(g.api_trainer_id, None, **_checked_values({**NEW_CLIENT, **body}))
    return client, {"Location": url_for("api.get_client", client_id=client.id)}


@bp.patch("/clients/<int:client_id>")
@bp.arguments(ClientChanges, example={"default_rate_cents": 5000})
@bp.response(200, ClientSchema, example=CLIENT_EXAMPLE)
def update_client(body, client_id: int):
    client = owned_or_404(Client, client_id)
    current = {key: getattr(client, key) for key in NEW_CLIENT}
    values = _checked_values({**current, **body}, client)
    return clients.update_client(g.api_trainer_id, client.id, **values)
