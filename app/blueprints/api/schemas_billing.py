"""What the API takes and gives for billing: drafts and their lines, sending, voiding, payments, the ledger,
billing runs and messages. Messages are the pages' own words for the same fields."""
from marshmallow import Schema, fields, validate

from app.blueprints.api.schemas import InvoiceSchema, PageArgs
from app.blueprints.api.schemas_work import cents, row_id, within_calendar
from app.models import MessageStatus, PaymentMethod
from app.services.drafts import DESCRIPTION_TOO_LONG, MAX_DESCRIPTION, MAX_QUANTITY, QUANTITY_RANGE

PRICE = fields.Integer(strict=True, validate=validate.Range(min=-2**31, max=2**31 - 1, error="Enter an amount."),
                       error_messages={"invalid": "Enter an amount.", "required": "Enter an amount."})


def _quantity(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY, error=QUANTITY_RANGE),
                          error_messages={"required": "Enter a quantity.", "invalid": "Enter a quantity."}, **kwargs)


def _description(**kwargs):
    return fields.String(validate=validate.Length(min=1, max=MAX_DESCRIPTION, error=DESCRIPTION_TOO_LONG),
                         error_messages={"required": "Enter a description."}, **kwargs)


class LineSchema(Schema):
    id = fields.Integer(required=True)
    description = fields.String(required=True)
    quantity = fields.Integer(required=True)
    unit_price_cents = fields.Integer(required=True)
    amount_cents = fields.Integer(required=True)
    no_charge = fields.Boolean(required=True)
    no_charge_reason = fields.String(required=True)
    session_id = fields.Integer(allow_none=True)
    removed = fields.Function(lambda line: line.removed_at is not None, required=True,
                              metadata={"description": "Taken off this draft (a session's line stays, hidden)"})


class DraftSchema(Schema):
    id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    client_name = fields.String(attribute="client.name", required=True)
    version = fields.Integer(required=True, metadata={"description": "Also the ETag; send it as If-Match"})
    included = fields.Boolean(required=True, metadata={"description": "In the next batch sent"})
    note = fields.String(required=True)
    currency = fields.String(required=True)
    total_cents = fields.Integer(required=True)
    lines = fields.List(fields.Nested(LineSchema), required=True)


class DraftList(Schema):
    data = fields.List(fields.Nested(DraftSchema), required=True)


class BuildArgs(Schema):
    period_start = fields.Date(validate=within_calendar, metadata={"description": "With period_end: a period"})
    period_end = fields.Date(validate=within_calendar, metadata={"description": "The billing date (not billed)"})


class LineChange(Schema):
    unit_price_cents = PRICE
    quantity = _quantity()
    description = _description()
    no_charge = fields.Boolean()
    no_charge_reason = fields.String(validate=validate.Length(max=200, error="Keep it to 200 characters."))


class NewLine(Schema):
    description = _description(required=True)
    quantity = _quantity(load_default=1)
    unit_price_cents = fields.Integer(strict=True, required=True, validate=PRICE.validate,
                                      error_messages=PRICE.error_messages,
                                      metadata={"description": "Negative for a discount"})


class Inclusion(Schema):
    included = fields.Boolean(required=True, error_messages={"required": "Say whether to include it."})


class DraftNote(Schema):
    note = fields.String(required=True, validate=validate.Length(max=500, error="Keep the note to 500 characters."))


class SendArgs(Schema):
    invoice_ids = fields.List(row_id("Not an id."), metadata={
        "description": "The drafts to send (all included drafts when left out)"})


class SendResult(Schema):
    batch_id = fields.Integer(required=True)
    invoices = fields.List(fields.Nested(InvoiceSchema), required=True)


class VoidArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200, error=(
        "Keep the reason to 200 characters.")), error_messages={"required": "Say why you are voiding this invoice."})


class MessageSchema(Schema):
    id = fields.Integer(required=True)
    invoice_id = fields.Integer(allow_none=True)
    client_id = fields.Integer(allow_none=True)
    kind = fields.String(required=True)
    channel = fields.String(required=True, metadata={"enum": ["sms", "email"]})
    status = fields.Function(lambda m: m.status.value, required=True,
                             metadata={"enum": [s.value for s in MessageStatus]})
    address = fields.String(allow_none=True)
    error_message = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class MessageListArgs(PageArgs):
    invoice_id = row_id("Not an id.")
    status = fields.String(validate=validate.OneOf([s.value for s in MessageStatus], error="Pick one of: " + ", ".join(
        s.value for s in MessageStatus) + "."))


class MessagePage(Schema):
    data = fields.List(fields.Nested(MessageSchema), required=True)
    has_more = fields.Boolean(required=True)


METHODS = [m.value for m in PaymentMethod if m.value in ("cash", "check", "venmo", "other")]


class PaymentSchema(Schema):
    id = fields.Integer(required=True)
    invoice_id = fields.Integer(allow_none=True)
    client_id = fields.Integer(required=True)
    method = fields.Function(lambda p: p.method.value, required=True)
    status = fields.Function(lambda p: p.status.value, required=True)
    amount_cents = fields.Integer(required=True)
    refunded_cents = fields.Integer(required=True)
    received_on = fields.Date(required=True)
    note = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class PaymentListArgs(PageArgs):
    invoice_id = row_id("Not an id.")
    client_id = row_id("Pick one of your clients.")


class PaymentPage(Schema):
    data = fields.List(fields.Nested(PaymentSchema), required=True)
    has_more = fields.Boolean(required=True)


class NewPayment(Schema):
    invoice_id = row_id("Not an id.", required=True)
    amount_cents = cents(required=True)
    method = fields.String(required=True, validate=validate.OneOf(METHODS, error="Pick cash, check, Venmo or other."),
                           error_messages={"required": "Pick cash, check, Venmo or other."})
    received_on = fields.Date(required=True, validate=within_calendar,
                              error_messages={"required": "Enter the date.", "invalid": "Enter the date."})
    note = fields.String(load_default="", validate=validate.Length(max=200, error="Keep it to 200 characters."))


class RefundArgs(Schema):
    amount_cents = cents(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=200, error="Keep it to 200 characters."))
