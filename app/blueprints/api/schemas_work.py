"""What the API takes and gives for the trainer's work: sessions, plans and clients' memberships. Messages are
the pages' own words for the same fields."""
from datetime import timezone

from marshmallow import Schema, ValidationError, fields, validate

from app.blueprints.api.schemas import PageArgs, page_of
from app.blueprints.fields import EARLIEST_DATE, LATEST_DATE
from app.blueprints.sessions.forms import DURATIONS
from app.services.sessions import CANCELLED, MAX_NOTES, OUTCOMES
from app.tenancy import MAX_ROW_ID

CALENDAR = f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}."


def within_calendar(value) -> None:
    day = value.date() if hasattr(value, "date") else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(CALENDAR)


def row_id(message: str, **kwargs) -> fields.Integer:
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID, error=message),
                          error_messages={"required": message, "invalid": message}, **kwargs)


def cents(**kwargs) -> fields.Integer:
    """Money as integer cents, never a float."""
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=2**31 - 1, error="Enter an amount."),
                          error_messages={"invalid": "Enter an amount.", "required": "Enter an amount."}, **kwargs)


class SessionListArgs(PageArgs):
    client_id = row_id("Pick one of your clients.")
    from_date = fields.Date(data_key="from", validate=within_calendar,
                            metadata={"description": "First day, in your time zone"})
    to_date = fields.Date(data_key="to", validate=within_calendar,
                          metadata={"description": "Last day (included), in your time zone"})


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    client_name = fields.String(attribute="client.name", required=True)
    starts_at = fields.DateTime(required=True)
    duration_minutes = fields.Integer(required=True)
    rate_cents = fields.Integer(required=True)
    outcome = fields.String(required=True, metadata={"enum": [*OUTCOMES, CANCELLED]})
    notes = fields.String(required=True)
    invoice_id = fields.Integer(allow_none=True, metadata={"description": "The invoice it is billed on"})


SessionPage = page_of(SessionSchema, "SessionPage")


class SessionChange(Schema):
    client_id = row_id("Pick a client.", required=True)
    starts_at = fields.AwareDateTime(default_timezone=timezone.utc, required=True, validate=within_calendar,
                                     error_messages={"required": "Enter the date and time.",
                                                     "invalid": "Enter the date and time."})
    duration_minutes = fields.Integer(load_default=60, validate=validate.OneOf(
        [m for m, _ in DURATIONS], error="Pick one of: " + ", ".join(str(m) for m, _ in DURATIONS) + " minutes."))
    rate_cents = cents(allow_none=True, metadata={"description": "Left out: the client's rate"})
    outcome = fields.String(load_default="completed", validate=validate.OneOf(
        OUTCOMES, error="Pick one of: " + ", ".join(OUTCOMES) + "."))
    notes = fields.String(load_default="", validate=validate.Length(
        max=MAX_NOTES, error=f"Keep notes to {MAX_NOTES} characters."))
    allow_overlap_with = row_id("Not an id.", metadata={
        "description": "The session it overlaps, when you mean to log both"})


class SessionUpdate(SessionChange):
    """A change to a session: the fields sent change, the others stay (loaded with partial=True)."""


class PlanSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.Function(lambda plan: plan.kind.value, required=True, metadata={"enum": ["pack", "membership"]})
    name = fields.String(required=True)
    price_cents = fields.Integer(required=True, metadata={"description": "A pack's price, or one cycle's"})
    sessions_total = fields.Integer(allow_none=True, metadata={"description": "Pack: sessions in it"})
    valid_days = fields.Integer(allow_none=True, metadata={"description": "Pack: days valid (none: no expiry)"})
    valid_from = fields.Function(lambda plan: plan.valid_from.value if plan.valid_from else None, allow_none=True)
    cadence = fields.String(allow_none=True, metadata={"description": "Membership: how often it renews"})
    anchor_day = fields.Integer(allow_none=True)
    included_sessions = fields.Integer(allow_none=True, metadata={"description": "Membership: none is unlimited"})
    extra_session_cents = fields.Integer(allow_none=True)
    rollover_max = fields.Integer(required=True)
    archived = fields.Function(lambda plan: plan.archived_at is not None, required=True)


PlanPage = page_of(PlanSchema, "PlanPage")


def _count(**kwargs):
    return fields.Integer(strict=True, allow_none=True, validate=validate.Range(
        min=-2**31, max=2**31 - 1, error="Enter a whole number."), **kwargs)


class PlanChange(Schema):
    """A pack's fields or a membership's; the plans service checks them, with the Plans page's words."""
    name = fields.String(validate=validate.Length(max=100, error="Keep the name to 100 characters."))
    price_cents = cents(allow_none=True)
    sessions_total = _count()
    valid_days = _count()
    valid_from = fields.String(validate=validate.OneOf(["sale", "first_use"], error=(
        "Choose when the days start counting.")))
    cadence = fields.String(allow_none=True, validate=validate.Length(max=20, error="Choose how often it renews."))
    anchor_day = _count()
    included_sessions = _count(metadata={"description": "Left out or null: unlimited"})
    extra_session_cents = cents(allow_none=True)
    rollover_max = _count()


class NewPlan(PlanChange):
    kind = fields.String(required=True, validate=validate.OneOf(["pack", "membership"], error=(
        "Pick pack or membership.")), error_messages={"required": "Pick pack or membership."})


class PricedLength(Schema):
    duration_minutes = fields.Integer(required=True)
    price_cents = cents(allow_none=True, required=True, metadata={"description": "null: the default rate"})


class DurationPrices(Schema):
    prices = fields.List(fields.Nested(PricedLength), required=True)


class MembershipSchema(Schema):
    id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    plan_name = fields.String(attribute="plan.name", required=True)
    status = fields.String(required=True, metadata={"enum": ["active", "paused", "cancelled"]})
    started_on = fields.Date(required=True)
    next_renewal_on = fields.Date(allow_none=True)
    paused_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)


class NewMembership(Schema):
    plan_id = row_id("Choose a membership.", required=True)
    start_on = fields.Date(required=True, validate=within_calendar, error_messages=dict.fromkeys(
        ("required", "invalid"), "Enter a start date between 1900 and 2100."))
    prorate_first = fields.Boolean(load_default=False, metadata={
        "description": "Bill the first cycle from the start day (else its full price)"})


class PlanChoice(Schema):
    plan_id = row_id("Choose a membership.", required=True)
    preview = fields.Boolean(load_default=False, metadata={
        "description": "Only say what the change would credit and charge; change nothing"})


class ChangeSchema(Schema):
    credited_cents = fields.Integer(required=True, metadata={"description": "The unused part of the old price"})
    charged_cents = fields.Integer(required=True, metadata={"description": "The rest of the cycle at the new price"})
    preview = fields.Boolean(required=True)
    membership = fields.Nested(MembershipSchema, required=True)


class Cancellation(Schema):
    at = fields.String(load_default="cycle_end", validate=validate.OneOf(["cycle_end", "now"], error=(
        "Pick cycle_end or now.")))


class CancelSchema(MembershipSchema):
    credited_cents = fields.Integer(required=True)


class PackSale(Schema):
    plan_id = row_id("Choose a pack.", required=True)


SESSION_EXAMPLE = {"id": 301, "client_id": 12, "client_name": "Ana Lima", "starts_at": "2026-11-30T17:00:00+00:00",
                   "duration_minutes": 60, "rate_cents": 4550, "outcome": "completed", "notes": "Legs; deadlift 80 kg",
                   "invoice_id": None}
NEW_SESSION_EXAMPLE = {"client_id": 12, "starts_at": "2026-11-30T09:00:00-08:00", "duration_minutes": 60,
                       "outcome": "completed", "notes": "Legs; deadlift 80 kg"}
SESSION_CHANGE_EXAMPLE = {"outcome": "no_show_charge", "notes": "Did not come; charged as agreed"}
PACK_EXAMPLE = {"id": 5, "kind": "pack", "name": "10 sessions", "price_cents": 40000, "sessions_total": 10,
                "valid_days": 180, "valid_from": "sale", "cadence": None, "anchor_day": None,
                "included_sessions": None, "extra_session_cents": None, "rollover_max": 0, "archived": False}
NEW_PLAN_EXAMPLE = {"kind": "pack", "name": "10 sessions", "price_cents": 40000, "sessions_total": 10,
                    "valid_days": 180, "valid_from": "sale"}
PLAN_CHANGE_EXAMPLE = {"price_cents": 42000}
PRICES_EXAMPLE = {"prices": [{"duration_minutes": 30, "price_cents": 2500},
                             {"duration_minutes": 60, "price_cents": 4550}]}
MEMBERSHIP_EXAMPLE = {"id": 8, "client_id": 12, "plan_id": 6, "plan_name": "Monthly, 8 sessions", "status": "active",
                      "started_on": "2026-11-01", "next_renewal_on": "2026-12-01", "paused_on": None, "ends_on": None}
NEW_MEMBERSHIP_EXAMPLE = {"plan_id": 6, "start_on": "2026-12-01", "prorate_first": False}
PLAN_CHOICE_EXAMPLE = {"plan_id": 7, "preview": True}
PLAN_SWITCH_EXAMPLE = {"credited_cents": 6000, "charged_cents": 9000, "preview": True,
                       "membership": MEMBERSHIP_EXAMPLE}
CANCELLATION_EXAMPLE = {"at": "cycle_end"}
CANCELLED_EXAMPLE = {**MEMBERSHIP_EXAMPLE, "next_renewal_on": None, "ends_on": "2026-12-01", "credited_cents": 0}
PACK_SALE_EXAMPLE = {"plan_id": 5}
