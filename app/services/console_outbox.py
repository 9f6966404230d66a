"""The texts and emails the console backends kept, for the development Outbox page."""
from itertools import groupby

from sqlalchemy import select

from app.extensions import db
from app.models import Client, OutboxMessage
from app.models.message import EMAIL, SMS


def texts_by_phone(trainer_id: int, limit: int = 200) -> list[tuple[str, str, list[OutboxMessage]]]:
    rows = db.session.execute(
        # outer join: the codes texted to the trainer herself have no client
        select(OutboxMessage, Client.name).outerjoin(Client, Client.id == OutboxMessage.client_id)
        .where(OutboxMessage.trainer_id == trainer_id, OutboxMessage.channel == SMS, OutboxMessage.body != "")
        .order_by(OutboxMessage.to_number, OutboxMessage.id).limit(limit)).all()
    return [(number, group[0][1], [m for m, _ in group])
            for number, group in ((n, list(g)) for n, g in groupby(rows, key=lambda r: r[0].to_number))]


def emails_kept(trainer_id: int, limit: int = 50) -> list[tuple[OutboxMessage, str]]:
    """Her latest emails that were written (claimed), newest first, each with its HTML part rendered."""
    from app.services.emailing import words_for

    rows = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.trainer_id == trainer_id, OutboxMessage.channel == EMAIL, OutboxMessage.body != "")
        .order_by(OutboxMessage.id.desc()).limit(limit)).all()
    return [(m, words_for(m).html) for m in rows]
