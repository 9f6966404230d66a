"""Plans (packs, memberships, prices by session length) and clients' memberships and packs: the services the
Plans page and the client page call, proration included."""
from flask import abort, g

from app.blueprints.api import bp
from app.blueprints.api.resources import api_actor, calling, owned_or_404
from app.blueprints.api.responses import problems
from app.blueprints.api.schemas import PageArgs, page_example
from app.blueprints.api.schemas_billing import DRAFT_EXAMPLE, DraftSchema
from app.blueprints.api.schemas_work import CANCELLATION_EXAMPLE, CANCELLED_EXAMPLE, MEMBERSHIP_EXAMPLE, \
    NEW_MEMBERSHIP_EXAMPLE, NEW_PLAN_EXAMPLE, PACK_EXAMPLE, PACK_SALE_EXAMPLE, PLAN_CHANGE_EXAMPLE, \
    PLAN_CHOICE_EXAMPLE, PLAN_SWITCH_EXAMPLE, PRICES_EXAMPLE, Cancellation, CancelSchema, ChangeSchema, \
    DurationPrices, MembershipSchema, NewMembership, NewPlan, PackSale, PlanChange, PlanChoice, PlanPage, \
    PlanSchema
from app.models import Membership, Plan, PlanKind
from app.services import memberships, packs, plans
from app.services.api_lists import plans_page

PACK_FIELDS = ("name", "sessions_total", "price_cents", "valid_days", "valid_from")
MEMBERSHIP_FIELDS = ("name", "price_cents", "cadence", "anchor_day", "included_sessions", "extra_session_cents",
                     "rollover_max")


def _values(kind: str, args: dict, plan: Plan | None = None) -> dict:
    """The service's arguments: those sent, the plan's own for the rest (none for a new one)."""
    names = PACK_FIELDS if kind == PlanKind.pack.value else MEMBERSHIP_FIELDS
    values = {k: args[k] if k in args else (getattr(plan, k) if plan else None) for k in names}
    if kind == PlanKind.pack.value:
        values["valid_from"] = (values["valid_from"].value if hasattr(values["valid_from"], "value")
                                else values["valid_from"]) or "sale"
    else:
        values["unlimited"] = values["included_sessions"] is None
    values["name"] = (values["name"] or "").strip()
    return values


@bp.get("/plans")
@problems(422)
@bp.arguments(PageArgs, location="query")
@bp.response(200, PlanPage, example=page_example(PACK_EXAMPLE))
def list_plans(args):
    return plans_page(g.api_trainer_id, args["limit"], args.get("starting_after"))


@bp.get("/plans/<int:plan_id>")
@bp.response(200, PlanSchema, example=PACK_EXAMPLE)
def get_plan(plan_id: int):
    return owned_or_404(Plan, plan_id)


@bp.post("/plans")
@bp.arguments(NewPlan, example=NEW_PLAN_EXAMPLE)
@bp.response(200, PlanSchema, example=PACK_EXAMPLE)
def create_plan(args):
    """A pack (N sessions for a price) or a membership (a price a cycle)."""
    create = plans.create_pack if args["kind"] == PlanKind.pack.value else plans.create_membership_plan
    return calling(create, g.api_trainer_id, **_values(args["kind"], args))


@bp.post("/plans/<int:plan_id>")
@bp.arguments(PlanChange, example=PLAN_CHANGE_EXAMPLE)
@bp.response(200, PlanSchema, example={**PACK_EXAMPLE, "price_cents": 42000})
def update_plan(args, plan_id: int):
    """Changes the fields sent (the price, say) for sales and cycles from now on."""
    plan = owned_or_404(Plan, plan_id)
    update = plans.update_pack if plan.kind == PlanKind.pack else plans.update_membership_plan
    return calling(update, g.api_trainer_id, plan.id, **_values(plan.kind.value, args, plan))


@bp.post("/plans/<int:plan_id>/archive")
@bp.response(200, PlanSchema, example={**PACK_EXAMPLE, "archived": True})
def archive_plan(plan_id: int):
    """Out of the catalogue: no more sales; what was sold is untouched."""
    return calling(plans.archive_plan, g.api_trainer_id, plan_id)


@bp.get("/duration-prices")
@bp.response(200, DurationPrices, example=PRICES_EXAMPLE)
def get_duration_prices():
    """Her price for a session of each length she has priced."""
    return _prices(plans.duration_prices(g.api_trainer_id))


@bp.post("/duration-prices")
@bp.arguments(DurationPrices, example=PRICES_EXAMPLE)
@bp.response(200, DurationPrices, example=PRICES_EXAMPLE)
def set_duration_prices(args):
    """Sets the lengths sent (a null price clears one: that length uses the default rate)."""
    prices = {p["duration_minutes"]: p["price_cents"] for p in args["prices"]}
    return _prices(calling(plans.set_duration_prices, g.api_trainer_id, prices))


def _prices(by_length: dict[int, int]) -> dict:
    return {"prices": [{"duration_minutes": m, "price_cents": c} for m, c in sorted(by_length.items())]}


@bp.post("/clients/<int:client_id>/membership")
@bp.arguments(NewMembership, example=NEW_MEMBERSHIP_EXAMPLE)
@bp.response(200, MembershipSchema, example=MEMBERSHIP_EXAMPLE)
def start_membership(args, client_id: int):
    """Starts her membership and bills its first cycle on her draft: the full price, or prorated."""
    return calling(memberships.start_membership, g.api_trainer_id, client_id, args["plan_id"],
                   start_on=args["start_on"], prorate_first=args["prorate_first"], actor=api_actor())


@bp.get("/clients/<int:client_id>/membership")
@bp.response(200, MembershipSchema, example=MEMBERSHIP_EXAMPLE)
def get_membership(client_id: int):
    """Her membership that is not cancelled; a 404 when she has none."""
    membership = memberships.live_membership(g.api_trainer_id, client_id)
    if membership is None:
        abort(404)
    return membership


@bp.post("/memberships/<int:membership_id>/change")
@bp.arguments(PlanChoice, example=PLAN_CHOICE_EXAMPLE)
@bp.response(200, ChangeSchema, example=PLAN_SWITCH_EXAMPLE)
def change_membership(args, membership_id: int):
    """Moves it to another plan from today: the unused part of the old price credited, the rest of the cycle at
    the new price charged. With `preview`, only the figures, from the same proration, and nothing changes."""
    if args["preview"]:
        change = calling(memberships.preview_change, g.api_trainer_id, membership_id, args["plan_id"])
    else:
        change = calling(memberships.change_plan, g.api_trainer_id, membership_id, args["plan_id"],
                         actor=api_actor())
    return {"credited_cents": change.credited_cents, "charged_cents": change.charged_cents,
            "preview": args["preview"], "membership": owned_or_404(Membership, membership_id)}


@bp.post("/memberships/<int:membership_id>/pause")
@bp.response(200, MembershipSchema, example={**MEMBERSHIP_EXAMPLE, "status": "paused", "paused_on": "2026-12-01"})
def pause_membership(membership_id: int):
    return calling(memberships.pause_membership, g.api_trainer_id, membership_id, api_actor())


@bp.post("/memberships/<int:membership_id>/resume")
@bp.response(200, MembershipSchema, example=MEMBERSHIP_EXAMPLE)
def resume_membership(membership_id: int):
    return calling(memberships.resume_membership, g.api_trainer_id, membership_id, api_actor())


@bp.post("/memberships/<int:membership_id>/cancel")
@bp.arguments(Cancellation, example=CANCELLATION_EXAMPLE)
@bp.response(200, CancelSchema, example=CANCELLED_EXAMPLE)
def cancel_membership(args, membership_id: int):
    """At the cycle's end (no more renewals), or now (the rest of the cycle credited)."""
    credited = calling(memberships.cancel_membership, g.api_trainer_id, membership_id, now=args["at"] == "now",
                       actor=api_actor())
    membership = owned_or_404(Membership, membership_id)
    membership.credited_cents = credited
    return membership


@bp.post("/clients/<int:client_id>/packs")
@bp.arguments(PackSale, example=PACK_SALE_EXAMPLE)
@bp.response(200, DraftSchema, example=DRAFT_EXAMPLE)
def sell_pack(args, client_id: int):
    """Puts the pack on her draft at today's price; it is billed with the next Send."""
    return calling(packs.sell_pack, g.api_trainer_id, client_id, args["plan_id"], api_actor())
