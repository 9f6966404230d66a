"""What the API takes and gives for the trainer's work: sessions, plans and clients' memberships. Messages are
the pages' own words for the same fields."""
from datetime import timezone

from marshmallow import Schema, ValidationError, fields, validate

from app.blueprints.api.schemas import PageArgs
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


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """A cursor page of `item`s: `data` and `has_more`."""
    return Schema.from_dict({"data": fields.List(fields.Nested(item), required=True),
                             "has_more": fields.Boolean(required=True)}, name=name)


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
    """A change to a session: the fields sent change, the others stay."""
    class Meta:
        partial = True
