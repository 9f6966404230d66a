"""A trainer's clients."""
from sqlalchemy import func

from app.extensions import db
from app.models import Client, Trainer
from app.models.types import utcnow
from app.tenancy import find_owned, owned

CLIENT_FIELDS = ("name", "mobile", "email", "default_rate_cents", "notes", "sms_consent")


def list_clients(trainer_id: int, query: str = "", archived: bool = False) -> list[Client]:
    stmt = owned(Client, trainer_id).where(
        Client.archived_at.is_not(None) if archived else Client.archived_at.is_(None))
    query = (query or "").strip()
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(func.lower(Client.name).like(like) | Client.mobile.like(f"%{query}%")
                          | func.lower(Client.email).like(like))
    return list(db.session.scalars(stmt.order_by(func.lower(Client.name), Client.id)))


def create_client(trainer_id: int, **values) -> Client:
    client = Client(trainer_id=trainer_id, **{k: values[k] for k in CLIENT_FIELDS if k in values})
    db.session.add(client)
    db.session.commit()
    return client


def update_client(trainer_id: int, client_id: int, **values) -> Client:
    client = find_owned(Client, trainer_id, client_id)
    if client.mobile != values.get("mobile", client.mobile):
        client.sms_opted_out_at = None  # a new number has not said STOP
    for key in CLIENT_FIELDS:
        if key in values:
            setattr(client, key, values[key])
    db.session.commit()
    return client


def set_archived(trainer_id: int, client_id: int, archived: bool) -> Client:
    client = find_owned(Client, trainer_id, client_id)
    client.archived_at = utcnow() if archived else None
    db.session.commit()
    return client


def effective_rate_cents(client: Client, trainer: Trainer) -> int:
    """The client's own rate when set, otherwise the trainer's default."""
    return client.default_rate_cents if client.default_rate_cents is not None else trainer.default_rate_cents
