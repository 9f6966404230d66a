"""An invoice sent while it is night where the client lives reaches her at 08:00, not in the night."""
from datetime import datetime, timezone

from sqlalchemy import select

from app.config import Config
from app.extensions import db
from app.models import Batch, MessageStatus
from app.services import texting
from app.timefmt import zone
from tests.texting_helpers import submit_invoices


def _zone_where_it_is(hour: int) -> str:
    """A fixed-offset zone in which it is `hour`:xx now."""
    offset = (hour - datetime.now(timezone.utc).hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"


def test_an_invoice_sent_at_11pm_client_time_waits_for_8am_and_the_batch_says_so(app, trainer, logged_in):
    app.config["QUIET_HOURS_KINDS"] = Config.QUIET_HOURS_KINDS  # what production and `make run` use
    night = _zone_where_it_is(23)

    [text] = submit_invoices(trainer, timezone=night)

    assert text.status == MessageStatus.queued
    assert text.send_after is not None and text.send_after.astimezone(zone(night)).hour == 8
    assert texting.send_message(text.id) is None  # a worker that picks it up early sends nothing
    db.session.expire_all()
    assert text.status == MessageStatus.queued and text.provider_sid is None
    batch_id = db.session.scalar(select(Batch.id).where(Batch.trainer_id == trainer.id))
    page = logged_in.get(f"/invoices/batches/{batch_id}").get_data(as_text=True)
    assert "Goes at 8 AM, her time" in page
    assert "Quiet hours: the texts marked below go out at 8 AM" in page
    assert 'hx-trigger="every 2s"' not in page  # nothing will change before 08:00: the page stops asking


def test_an_invoice_sent_at_noon_client_time_goes_at_once(app, trainer):
    app.config["QUIET_HOURS_KINDS"] = Config.QUIET_HOURS_KINDS

    [text] = submit_invoices(trainer, timezone=_zone_where_it_is(12))

    assert text.send_after is None
    assert texting.send_message(text.id) == MessageStatus.delivered
