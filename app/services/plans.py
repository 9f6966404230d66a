"""The trainer's catalogue: packs, prices by session length, and what a no-show or a sale does to credits.

Prices by length: a session of exactly 30, 45, 60 or 90 minutes is priced from the trainer's price for that
length when she has set one; any other length (and a length without a price) falls back to the one default
rate of her profile, as before. A client's own rate wins over both: it is a price agreed with that client.
"""
from sqlalchemy import delete, exists, select

from app.extensions import db
from app.models import CreditLot, DurationPrice, InvoiceLine, Plan, PlanKind, Trainer, ValidFrom
from app.models.types import utcnow
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
    return bool(db.session.scalar(select(
        exists().where(InvoiceLine.plan_id == plan_id) | exists().where(CreditLot.plan_id == plan_id))))


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
