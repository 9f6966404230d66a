"""Membership plans on the trainer's Plans & prices page: added, listed with their terms, refused beside the
field when wrong, and changed for later cycles only."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Plan, PlanKind
from app.services import plans
from tests import factories
from tests.pages import error_beside, form_values, text_of


def new_membership_form(logged_in, **values) -> dict:
    form = form_values(logged_in.get("/settings/plans"), "membership-plan-form")
    form.update({"name": "8 a month", "price_cents": "480", "cadence": "monthly", "anchor_day": "1",
                 "included_sessions": "8", "extra_session_cents": "70", "rollover_max": "2", **values})
    return form


def test_a_membership_added_on_the_plans_page_is_listed_with_its_terms(logged_in, trainer):
    response = logged_in.post("/settings/plans/memberships", new_membership_form(logged_in), follow_redirects=True)
    page = text_of(response)
    assert "8 a month added to your plans." in page
    assert "$480.00 a month, renews on day 1 · 8 sessions included · extra session $70.00 · " \
           "up to 2 unused roll over" in page
    plan = db.session.scalar(select(Plan))
    assert (plan.kind, plan.included_sessions, plan.extra_session_cents, plan.rollover_max) == (
        PlanKind.membership, 8, 7000, 2)


def test_an_unlimited_weekly_membership_has_no_included_count(logged_in, trainer):
    form = new_membership_form(logged_in, name="Unlimited", cadence="weekly", unlimited="y", included_sessions="")
    response = logged_in.post("/settings/plans/memberships", form, follow_redirects=True)
    assert "$480.00 a week · unlimited sessions" in text_of(response)


def test_bad_memberships_are_refused_beside_the_field_and_nothing_is_added(logged_in, trainer):
    cases = [({"price_cents": "-5"}, "price_cents", "cannot be negative"),
             ({"anchor_day": "32"}, "anchor_day", "1 to 31"),
             ({"included_sessions": "-1"}, "included_sessions", "between 0 and"),
             ({"rollover_max": "-2"}, "rollover_max", "Roll over between"),
             ({"extra_session_cents": "-1"}, "extra_session_cents", "cannot be negative"),
             ({"cadence": "daily"}, "cadence", "how often")]
    for values, name, message in cases:
        response = logged_in.post("/settings/plans/memberships", new_membership_form(logged_in, **values))
        assert response.status_code == 200
        assert message in error_beside(response, name), values
    assert db.session.scalar(select(func.count(Plan.id))) == 0


def test_editing_a_membership_plan_changes_its_price_and_a_used_plan_keeps_its_cycle(logged_in, trainer):
    plan = plans.create_membership_plan(trainer.id, name="Gold", price_cents=48000, cadence="monthly", anchor_day=1,
                                        included_sessions=8)
    form = form_values(logged_in.get(f"/settings/plans/{plan.id}/edit"), "membership-plan-form")
    form["price_cents"] = "500"
    response = logged_in.post(f"/settings/plans/{plan.id}/edit", form, follow_redirects=True)
    assert "Gold saved. Cycles already billed keep their price and sessions." in text_of(response)
    assert db.session.get(Plan, plan.id).price_cents == 50000
    assert plan not in plans.sellable_plans(trainer.id)  # a membership is started, not sold as a pack
