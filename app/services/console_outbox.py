"""The texts the console backend kept, grouped by phone, for the development Outbox page."""
from itertools import groupby

from sqlalchemy import select

from app.extensions import db
from app.models import Client, OutboxMessage


def texts_by_phone(trainer_id: int, limit: int = 200) -> list[tuple[str, str, list[OutboxMessage]]]:
    rows = db.session.execute(
        # outer join: the codes texted to the trainer herself have no client
        select(OutboxMessage, Client.name).outerjoin(Client, Client.id == OutboxMessage.client_id)
        .where(OutboxMessage.trainer_id == trainer_id, OutboxMessage.body != "")
        .order_by(OutboxMessage.to_number, OutboxMessage.id).limit(limit)).all()
    return [(number, group[0][1], [m for m, _ in group])
            for number, group in ((n, list(g)) for n, g in groupby(rows, key=lambda r: r[0].to_number))]
