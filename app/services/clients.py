"""A trainer's clients."""
import re

from sqlalchemy import func

from app.extensions import db
from app.models import Client, Trainer
from app.models.types import utcnow
from app.services import ServiceError, form_keys, plans, stripe_sync
from app.tenancy import find_owned, owned

CLIENT_FIELDS = ("name", "mobile", "email", "default_rate_cents", "notes", "sms_consent", "channels", "timezone",
                 "reminders_enabled")


def _phone_digits(query: str) -> str | None:
    """What a typed phone number should match in an E.164 column: '(415) 555-0134' -> '4155550134',
    '07700 900456' -> '7700900456' (the national trunk 0 is not stored)."""
    if re.search(r"[^\d\s()+.\-]", query):
        return None
    digits = re.sub(r"\D", "", query).lstrip("0")
    return digits if len(digits) >= 3 else None


def list_clients(trainer_id: int, query: str = "", archived: bool = False) -> list[Client]:
    """Active (or archived) clients, optionally those whose name, mobile or email contains `query`."""
    stmt = owned(Client, trainer_id).where(
        Client.archived_at.is_not(None) if archived else Client.archived_at.is_(None))
    query = (query or "").strip()
    if query:
        # autoescape: the trainer's own % and _ are taken literally
        matches = (Client.name.icontains(query, autoescape=True) | Client.email.icontains(query, autoescape=True)
                   | Client.mobile.contains(query, autoescape=True))
        digits = _phone_digits(query)
        if digits:
            matches = matches | Client.mobile.contains(digits, autoescape=True)
        stmt = stmt.where(matches)
    return list(db.session.scalars(stmt.order_by(func.lower(Client.name), Client.id)))


def create_client(trainer_id: int, form_key: str | None = None, **values) -> Client:
    """A new client. The same form posted again (its `form_key`) adds nobody and returns the client
    the first post added."""
    client = Client(trainer_id=trainer_id, **{k: values[k] for k in CLIENT_FIELDS if k in values})
    db.session.add(client)
    return form_keys.commit_once(trainer_id, form_key, client)[0]


def _owned_client(trainer_id: int, client_id: int) -> Client:
    client = find_owned(Client, trainer_id, client_id)
    if client is None:
        raise ServiceError("That client is not one of yours.")
    return client


def update_client(trainer_id: int, client_id: int, **values) -> Client:
    client = _owned_client(trainer_id, client_id)
    if client.mobile != values.get("mobile", client.mobile):
        client.sms_opted_out_at = None  # a new number has not said STOP
    if client.email != values.get("email", client.email):
        client.email_opted_out_at = None  # nor has a new address unsubscribed
    for key in CLIENT_FIELDS:
        if key in values:
            setattr(client, key, values[key])
    db.session.commit()
    return client


def others_with_mobile(trainer_id: int, client: Client) -> list[Client]:
    """Her other active clients on the same mobile: texts for both reach one phone, and a STOP from it
    stops both. Worth a warning, not a refusal (a parent pays for two children)."""
    if not client.mobile:
        return []
    return list(db.session.scalars(owned(Client, trainer_id).where(
        Client.mobile == client.mobile, Client.id != client.id, Client.archived_at.is_(None))
        .order_by(func.lower(Client.name))))


def set_archived(trainer_id: int, client_id: int, archived: bool) -> Client:
    client = _owned_client(trainer_id, client_id)
    client.archived_at = utcnow() if archived else None
    db.session.commit()
    stripe_sync.after_client_change(client_id)  # archived: her Stripe draft deleted; restored: made again
    return client


def effective_rate_cents(client: Client, trainer: Trainer, duration_minutes: int | None = None) -> int | None:
    """The client's own rate when set, otherwise the trainer's price for a session of this length (see
    services.plans), otherwise her default (None before she has set one)."""
    if client.default_rate_cents is not None:
        return client.default_rate_cents
    by_length = plans.price_for_length(trainer.id, duration_minutes) if duration_minutes else None
    return by_length if by_length is not None else trainer.default_rate_cents


def rate_for(trainer_id: int, client_id: int, duration_minutes: int | None = None) -> int | None:
    """effective_rate_cents of her client, as the session form fills it in; None for a client not hers."""
    client = find_owned(Client, trainer_id, client_id)
    return effective_rate_cents(client, db.session.get(Trainer, trainer_id), duration_minutes) if client else None
