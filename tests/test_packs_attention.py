"""Packs running low or expiring within 14 days: the trainer sees them on her dashboard and on the
client's page, and a pack with plenty left and time to go is not put in front of her."""
from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.models import Client, CreditLot
from app.timefmt import local_today
from tests import factories
from tests.pages import element, text_of
from tests.test_packs import log, sold, ten_pack  # noqa: F401 (a fixture)


def _pack_expiring_in(trainer, plan, name: str, days: int) -> CreditLot:
    client = factories.make_client(trainer, name=name, default_rate_cents=8000)
    lot = sold(trainer, client, plan, key=f"sale-{name}")
    db.session.execute(update(CreditLot).where(CreditLot.id == lot.id).values(
        expires_on=local_today(trainer.timezone) + timedelta(days=days)))
    db.session.commit()
    return lot


def test_the_dashboard_lists_packs_expiring_within_14_days_or_running_low_and_no_others(logged_in, trainer,
                                                                                         ten_pack):
    soon = _pack_expiring_in(trainer, ten_pack, "Sue Soon", 14)
    _pack_expiring_in(trainer, ten_pack, "Lou Later", 15)
    _pack_expiring_in(trainer, ten_pack, "Gus Gone", -1)  # expired yesterday: not a pack to renew
    low = _pack_expiring_in(trainer, ten_pack, "Lena Low", 60)
    for days_ago in range(1, 9):
        log(trainer, db.session.get(Client, low.client_id), days_ago=days_ago)

    box = text_of(element(logged_in.get("/dashboard"), "packs-attention"))

    assert "Sue Soon · 10-pack" in box and "10 of 10 sessions left" in box
    assert "Lena Low · 10-pack 2 of 10 sessions left" in box
    assert "Lou Later" not in box and "Gus Gone" not in box
    assert box.index("Sue Soon") < box.index("Lena Low")  # soonest to expire first
    assert soon.client_id != low.client_id


def test_the_client_page_badges_a_pack_expiring_soon_or_running_low(logged_in, trainer, ten_pack):
    soon = _pack_expiring_in(trainer, ten_pack, "Sue Soon", 10)
    later = _pack_expiring_in(trainer, ten_pack, "Lou Later", 40)
    low = _pack_expiring_in(trainer, ten_pack, "Lena Low", 60)
    for days_ago in range(1, 9):
        log(trainer, db.session.get(Client, low.client_id), days_ago=days_ago)

    def packs_of(lot) -> str:
        return text_of(element(logged_in.get(f"/clients/{lot.client_id}"), "client-packs"))

    assert "Expires soon" in packs_of(soon)
    assert "Running low" in packs_of(low) and "2 of 10 sessions left" in packs_of(low)
    assert "Expires soon" not in packs_of(later) and "Running low" not in packs_of(later)
