"""The trainer's Plans & prices page and a client's Packs section, as she uses them on her phone."""
from sqlalchemy import select

from app.extensions import db
from app.models import CreditLot, DurationPrice, Plan
from app.services import packs, plans
from app.services.drafts import sync_drafts
from tests import factories
from tests.invoice_helpers import draft_for, submit_drafts
from tests.pages import error_beside, form_values, text_of


def new_pack_form(logged_in, **values) -> dict:
    form = form_values(logged_in.get("/settings/plans"), "pack-form")
    form.update({"name": "10-pack", "sessions_total": "10", "price_cents": "700", "valid_days": "90",
                 "valid_from": "sale", **values})
    return form


def test_a_pack_added_on_the_plans_page_is_listed_with_its_terms(logged_in, trainer):
    response = logged_in.post("/settings/plans/packs", new_pack_form(logged_in), follow_redirects=True)
    assert "10-pack added to your plans." in text_of(response)
    assert "10 sessions · $700.00 · valid 90 days from the sale" in text_of(response)


def test_bad_packs_are_refused_beside_the_field_and_nothing_is_added(logged_in, trainer):
    cases = [({"sessions_total": "0"}, "sessions_total", "between 1 and"),
             ({"price_cents": "-5"}, "price_cents", "cannot be negative"),
             ({"valid_days": "-1"}, "valid_days", "in the past"),
             ({"name": ""}, "name", "Name the pack")]
    for values, field, words in cases:
        response = logged_in.post("/settings/plans/packs", new_pack_form(logged_in, **values))
        assert response.status_code == 200
        assert words in (error_beside(response, field) or ""), field
    assert db.session.scalars(select(Plan)).all() == []


def test_prices_by_length_are_saved_and_an_empty_one_uses_the_default(logged_in, trainer):
    form = form_values(logged_in.get("/settings/plans"), "prices-form")
    form.update({"price_30": "45", "price_45": "", "price_60": "80", "price_90": "110"})
    logged_in.post("/settings/plans/prices", form, follow_redirects=True)
    assert plans.duration_prices(trainer.id) == {30: 4500, 60: 8000, 90: 11000}
    form["price_90"] = "-1"
    response = logged_in.post("/settings/plans/prices", form)
    assert error_beside(response, "price_90") == "Amounts cannot be negative." or \
        "negative" in (error_beside(response, "price_90") or "")
    assert db.session.scalar(select(DurationPrice.price_cents).where(DurationPrice.duration_minutes == 90)) == 11000


def test_a_session_of_a_priced_length_is_prefilled_and_billed_at_that_price(logged_in, trainer):
    plans.set_duration_prices(trainer.id, {30: 4500})
    client = factories.make_client(trainer, name="Short Sessions")
    form = form_values(logged_in.get(f"/sessions/new?client_id={client.id}"), "session-form")
    assert form["rate_cents"] == ""  # priced by the length picked, when saved
    form.update({"duration_minutes": "30", "rate_cents": "", "starts_at": "2026-01-05T09:00"})
    assert logged_in.post("/sessions/new", form).status_code == 302
    [draft] = sync_drafts(trainer.id)
    assert [line.unit_price_cents for line in draft.live_lines] == [4500]


def test_an_archived_pack_cannot_be_sold_from_the_client_page(logged_in, trainer):
    plan = plans.create_pack(trainer.id, name="Old pack", sessions_total=5, price_cents=30000, valid_days=None)
    client = factories.make_client(trainer, name="Ada Archive")
    form = form_values(logged_in.get(f"/clients/{client.id}"), "sell-pack-form")
    plans.archive_plan(trainer.id, plan.id)
    response = logged_in.post(f"/clients/{client.id}/packs", {**form, "plan_id": str(plan.id)})
    assert "archived" in error_beside(response, "plan_id")
    assert draft_for(client) is None


def test_selling_another_trainers_pack_is_404(logged_in, trainer):
    other = factories.make_trainer()
    theirs = plans.create_pack(other.id, name="Theirs", sessions_total=5, price_cents=30000, valid_days=None)
    mine = plans.create_pack(trainer.id, name="Mine", sessions_total=5, price_cents=30000, valid_days=None)
    client = factories.make_client(trainer, name="Ben Border")
    form = form_values(logged_in.get(f"/clients/{client.id}"), "sell-pack-form")
    assert logged_in.post(f"/clients/{client.id}/packs", {**form, "plan_id": str(theirs.id)}).status_code == 404
    assert draft_for(client) is None
    assert mine.id


def test_the_client_page_shows_what_is_left_of_a_pack(logged_in, trainer):
    plan = plans.create_pack(trainer.id, name="10-pack", sessions_total=10, price_cents=70000, valid_days=90)
    client = factories.make_client(trainer, name="Cora Credits")
    form = form_values(logged_in.get(f"/clients/{client.id}"), "sell-pack-form")
    response = logged_in.post(f"/clients/{client.id}/packs", {**form, "plan_id": str(plan.id)},
                              follow_redirects=True)
    assert "Pack added to Cora Credits's invoice" in text_of(response)
    submit_drafts(trainer.id, "k")
    lot = db.session.scalar(select(CreditLot))
    page = text_of(logged_in.get(f"/clients/{client.id}"))
    assert f"10 of 10 sessions left, valid until {packs.short_date(lot.expires_on)}" in page


def test_the_dashboard_lists_packs_running_low_or_expiring_soon(logged_in, trainer):
    from app.services import sessions
    from app.models import SessionStatus
    from datetime import datetime, timedelta, timezone
    short = plans.create_pack(trainer.id, name="Trio", sessions_total=3, price_cents=20000, valid_days=None)
    long = plans.create_pack(trainer.id, name="Season", sessions_total=20, price_cents=100000, valid_days=10)
    low, soon, fine = (factories.make_client(trainer, name=n) for n in ("Lola Low", "Sam Soon", "Finn Fine"))
    for client, plan in ((low, short), (soon, long), (fine, short)):
        packs.sell_pack(trainer.id, client.id, plan.id, trainer.name)
    submit_drafts(trainer.id, "k")
    sessions.log_session(trainer.id, client_id=low.id, starts_at=datetime.now(timezone.utc) - timedelta(days=1),
                         duration_minutes=60, rate_cents=8000, status=SessionStatus.completed)
    page = text_of(logged_in.get("/dashboard"))
    assert "Lola Low · Trio 2 of 3 sessions left, no expiry" in page
    assert "Sam Soon · Season" in page and "Finn Fine" not in page.split("Packs to renew")[1].split("Not yet invoiced")[0]


def test_a_session_logged_on_an_expired_pack_says_it_is_billed_at_its_rate(logged_in, trainer):
    from datetime import timedelta
    from app.timefmt import local_today
    plan = plans.create_pack(trainer.id, name="10-pack", sessions_total=10, price_cents=70000, valid_days=30)
    client = factories.make_client(trainer, name="Eve Expired", default_rate_cents=8000)
    packs.sell_pack(trainer.id, client.id, plan.id, trainer.name)
    submit_drafts(trainer.id, "k")
    lot = db.session.scalar(select(CreditLot))
    lot.expires_on = local_today(trainer.timezone) - timedelta(days=2)
    db.session.commit()
    form = form_values(logged_in.get(f"/sessions/new?client_id={client.id}"), "session-form")
    form["starts_at"] = (local_today(trainer.timezone) - timedelta(days=1)).isoformat() + "T09:00"
    page = text_of(logged_in.post("/sessions/new", form, follow_redirects=True))
    assert (f"Not covered by a pack: 10-pack expired on {packs.short_date(lot.expires_on)}. "
            "This session is billed at $80.00.") in page
