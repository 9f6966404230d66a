"""The trainer's catalogue: packs, prices by session length, and what a no-show or a sale does to credits.

Prices by length: a session of exactly 30, 45, 60 or 90 minutes is priced from the trainer's price for that
length when she has set one; any other length (and a length without a price) falls back to the one default
rate of her profile, as before. A client's own rate wins over both: it is a price agreed with that client.
"""
from sqlalchemy import delete, exists, select

from app.extensions import db
from app.models import CreditLot, DurationPrice, InvoiceLine, Plan, PlanKind, Trainer, ValidFrom
from app.models.types import utcnow
from app.billing_cycles import CADENCES, MONTHLY
from app.services import ServiceError
from app.tenancy import owned, require_owned

PRICED_LENGTHS = (30, 45, 60, 90)
MAX_PACK_SESSIONS = 500
MAX_VALID_DAYS = 3650
MAX_PRICE_CENTS = 2_500_000
CREDITS_USABLE_ON = ("sale", "payment")
NO_SHOW_USES = ("credit", "fee")


def list_plans(trainer_id: int) -> list[Plan]:
    """Active plans first, then archived ones, each by name."""
    plans = list(db.session.scalars(owned(Plan, trainer_id)))
    return sorted(plans, key=lambda p: (p.is_archived, p.name.lower(), p.id))


def sellable_plans(trainer_id: int) -> list[Plan]:
    return [p for p in list_plans(trainer_id) if not p.is_archived and p.kind == PlanKind.pack]


def membership_plans(trainer_id: int) -> list[Plan]:
    """The membership plans a client can be started on or changed to (not archived)."""
    return [p for p in list_plans(trainer_id) if not p.is_archived and p.kind == PlanKind.membership]


def _checked(name: str, sessions_total: int | None, price_cents: int | None, valid_days: int | None,
             valid_from: str | None) -> dict:
    name = (name or "").strip()
    if not name:
        raise ServiceError("Name the pack, for example “10-pack”.", "name")
    if len(name) > 100:
        raise ServiceError("Keep the name to 100 characters.", "name")
    if sessions_total is None or not 1 <= sessions_total <= MAX_PACK_SESSIONS:
        raise ServiceError(f"A pack holds between 1 and {MAX_PACK_SESSIONS} sessions.", "sessions_total")
    if price_cents is None:
        raise ServiceError("Enter the pack's price.", "price_cents")
    if price_cents < 0:
        raise ServiceError("A pack's price cannot be negative.", "price_cents")
    if price_cents > MAX_PRICE_CENTS:
        raise ServiceError("That price is higher than an invoice can be.", "price_cents")
    if valid_days is not None and valid_days < 1:
        raise ServiceError("That expiry would be in the past: a pack is valid for at least 1 day "
                           "(or choose no expiry).", "valid_days")
    if valid_days is not None and valid_days > MAX_VALID_DAYS:
        raise ServiceError(f"A pack can be valid for at most {MAX_VALID_DAYS} days; choose no expiry instead.",
                           "valid_days")
    if valid_from not in (v.value for v in ValidFrom):
        raise ServiceError("Choose when the days start counting.", "valid_from")
    return {"name": name, "sessions_total": sessions_total, "price_cents": price_cents,
            "valid_days": valid_days, "valid_from": ValidFrom(valid_from)}


def create_pack(trainer_id: int, *, name: str, sessions_total: int | None, price_cents: int | None,
                valid_days: int | None, valid_from: str = "sale") -> Plan:
    """A pack in the catalogue: N sessions for a price, valid D days from sale or first use, or always."""
    plan = Plan(trainer_id=trainer_id, kind=PlanKind.pack,
                **_checked(name, sessions_total, price_cents, valid_days, valid_from))
    db.session.add(plan)
    db.session.commit()
    return plan


def update_pack(trainer_id: int, plan_id: int, *, name: str, sessions_total: int | None,
                price_cents: int | None, valid_days: int | None, valid_from: str = "sale") -> Plan:
    """Changes the pack for sales from now on: a line already on an invoice keeps the price it was sold at,
    and a pack already sent keeps its sessions and expiry."""
    values = _checked(name, sessions_total, price_cents, valid_days, valid_from)
    plan = require_owned(Plan, trainer_id, plan_id)
    for key, value in values.items():
        setattr(plan, key, value)
    db.session.commit()
    return plan


def is_in_use(plan_id: int) -> bool:
    from app.models import Membership, MembershipCycle
    return bool(db.session.scalar(select(
        exists().where(InvoiceLine.plan_id == plan_id) | exists().where(CreditLot.plan_id == plan_id)
        | exists().where(Membership.plan_id == plan_id) | exists().where(MembershipCycle.plan_id == plan_id))))


# Membership plans -----------------------------------------------------------------------------------------

MAX_INCLUDED = 100
MAX_ROLLOVER = 100


def _checked_membership(name: str, price_cents: int | None, cadence: str | None, anchor_day: int | None,
                        included_sessions: int | None, unlimited: bool, extra_session_cents: int | None,
                        rollover_max: int | None) -> dict:
    name = (name or "").strip()
    if not name:
        raise ServiceError("Name the membership, for example “8 a month”.", "name")
    if len(name) > 100:
        raise ServiceError("Keep the name to 100 characters.", "name")
    if price_cents is None:
        raise ServiceError("Enter the price of one cycle.", "price_cents")
    if price_cents < 0:
        raise ServiceError("A membership's price cannot be negative.", "price_cents")
    if price_cents > MAX_PRICE_CENTS:
        raise ServiceError("That price is higher than an invoice can be.", "price_cents")
    if cadence not in CADENCES:
        raise ServiceError("Choose how often it renews.", "cadence")
    if cadence == MONTHLY:
        if anchor_day is None or not 1 <= anchor_day <= 31:
            raise ServiceError("Choose the day of the month it renews on, 1 to 31 (the 31st renews on a "
                               "shorter month's last day).", "anchor_day")
    else:
        anchor_day = None  # weekly cycles count from each membership's start date
    if unlimited:
        included_sessions = None
    elif included_sessions is None or not 0 <= included_sessions <= MAX_INCLUDED:
        raise ServiceError(f"Include between 0 and {MAX_INCLUDED} sessions a cycle, or choose unlimited.",
                           "included_sessions")
    if extra_session_cents is not None and extra_session_cents < 0:
        raise ServiceError("The price of an extra session cannot be negative.", "extra_session_cents")
    if extra_session_cents is not None and extra_session_cents > MAX_PRICE_CENTS:
        raise ServiceError("That price is higher than an invoice can be.", "extra_session_cents")
    rollover_max = rollover_max or 0
    if not 0 <= rollover_max <= MAX_ROLLOVER:
        raise ServiceError(f"Roll over between 0 and {MAX_ROLLOVER} unused sessions (0: they expire at the "
                           "cycle's end).", "rollover_max")
    if included_sessions is None:
        rollover_max = 0  # nothing is left over from unlimited
    return {"name": name, "price_cents": price_cents, "cadence": cadence, "anchor_day": anchor_day,
            "included_sessions": included_sessions, "extra_session_cents": extra_session_cents,
            "rollover_max": rollover_max}


def create_membership_plan(trainer_id: int, *, name: str, price_cents: int | None, cadence: str | None,
                           anchor_day: int | None = None, included_sessions: int | None = None,
                           unlimited: bool = False, extra_session_cents: int | None = None,
                           rollover_max: int | None = 0) -> Plan:
    """A membership in the catalogue: a price per cycle, K sessions included (or unlimited), the price of a
    session beyond them, and how many unused ones roll over."""
    plan = Plan(trainer_id=trainer_id, kind=PlanKind.membership, valid_from=ValidFrom.sale,
                **_checked_membership(name, price_cents, cadence, anchor_day, included_sessions, unlimited,
                                      extra_session_cents, rollover_max))
    db.session.add(plan)
    db.session.commit()
    return plan


def update_membership_plan(trainer_id: int, plan_id: int, *, name: str, price_cents: int | None,
                           cadence: str | None, anchor_day: int | None = None, included_sessions: int | None = None,
                           unlimited: bool = False, extra_session_cents: int | None = None,
                           rollover_max: int | None = 0) -> Plan:
    """Changes apply to cycles billed after it: a cycle already billed keeps its price and sessions. The
    cycle of a plan with members cannot change (their anchors would move)."""
    plan = require_owned(Plan, trainer_id, plan_id)
    if plan.kind != PlanKind.membership:
        raise LookupError(f"membership plan {plan_id}")
    values = _checked_membership(name, price_cents, cadence, anchor_day, included_sessions, unlimited,
                                 extra_session_cents, rollover_max)
    if (values["cadence"], values["anchor_day"]) != (plan.cadence, plan.anchor_day) and is_in_use(plan.id):
        raise ServiceError("Clients are on this membership, so its cycle stays as it is: make a new plan for "
                           "another cycle.", "cadence")
    for key, value in values.items():
        setattr(plan, key, value)
    db.session.commit()
    return plan


def archive_plan(trainer_id: int, plan_id: int) -> Plan:
    """Taken out of the catalogue (it can no longer be sold); packs already sold are untouched."""
    plan = require_owned(Plan, trainer_id, plan_id)
    if plan.archived_at is None:
        plan.archived_at = utcnow()
    db.session.commit()
    return plan


def restore_plan(trainer_id: int, plan_id: int) -> Plan:
    plan = require_owned(Plan, trainer_id, plan_id)
    plan.archived_at = None
    db.session.commit()
    return plan


def delete_plan(trainer_id: int, plan_id: int) -> None:
    """Only a plan never sold can be deleted; one in use is archived instead."""
    plan = require_owned(Plan, trainer_id, plan_id)
    if is_in_use(plan.id):
        raise ServiceError(f"{plan.name} has been sold, so it stays on record: archive it instead.")
    db.session.delete(plan)
    db.session.commit()


def duration_prices(trainer_id: int) -> dict[int, int]:
    """{minutes: price in cents} for the lengths she has priced."""
    return {p.duration_minutes: p.price_cents for p in db.session.scalars(owned(DurationPrice, trainer_id))}


def set_duration_prices(trainer_id: int, prices: dict[int, int | None]) -> dict[int, int]:
    """Sets the price of each priced length (None clears it: that length uses the default rate)."""
    for minutes, cents in prices.items():
        if minutes not in PRICED_LENGTHS:
            raise ServiceError("Prices are set for 30, 45, 60 and 90 minutes.")
        if cents is not None and cents < 0:
            raise ServiceError("A price cannot be negative.", f"price_{minutes}")
        if cents is not None and cents > MAX_PRICE_CENTS:
            raise ServiceError("That price is higher than an invoice can be.", f"price_{minutes}")
    db.session.execute(delete(DurationPrice).where(DurationPrice.trainer_id == trainer_id,
                                                   DurationPrice.duration_minutes.in_(list(prices))))
    db.session.add_all(DurationPrice(trainer_id=trainer_id, duration_minutes=m, price_cents=c)
                       for m, c in prices.items() if c is not None)
    db.session.commit()
    return duration_prices(trainer_id)


def price_for_length(trainer_id: int, minutes: int | None) -> int | None:
    """Her price for a session of exactly this length, if she set one."""
    if minutes not in PRICED_LENGTHS:
        return None
    return db.session.scalar(select(DurationPrice.price_cents).where(
        DurationPrice.trainer_id == trainer_id, DurationPrice.duration_minutes == minutes))


def set_pack_settings(trainer_id: int, *, credits_usable_on: str, no_show_uses: str) -> Trainer:
    """When a sold pack's sessions can be used, and whether a chargeable no-show takes a credit."""
    if credits_usable_on not in CREDITS_USABLE_ON:
        raise ServiceError("Choose when a pack's sessions can be used.", "credits_usable_on")
    if no_show_uses not in NO_SHOW_USES:
        raise ServiceError("Choose what a chargeable no-show costs.", "no_show_uses")
    trainer = db.session.get(Trainer, trainer_id)
    trainer.credits_usable_on, trainer.no_show_uses = credits_usable_on, no_show_uses
    db.session.commit()
    return trainer
