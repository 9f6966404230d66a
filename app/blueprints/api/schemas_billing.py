"""What the API takes and gives for billing: drafts and their lines, sending, voiding, payments, the ledger,
billing runs and messages. Messages are the pages' own words for the same fields."""
from marshmallow import Schema, fields, validate

from app.blueprints.api.schemas import InvoiceSchema, PageArgs
from app.blueprints.api.schemas_work import cents, page_of, row_id, within_calendar
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


class SeenDraft(Schema):
    id = row_id("Not an id.", required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1, error="Not a version."),
                             metadata={"description": "The version (ETag) you read it at"})


class SendArgs(Schema):
    drafts = fields.List(fields.Nested(SeenDraft), required=True, validate=validate.Length(
        min=1, max=1000, error="There are no invoices to send."), metadata={
        "description": "The drafts to send, one or a batch, at the versions read"})


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


MessagePage = page_of(MessageSchema, "MessagePage")


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


PaymentPage = page_of(PaymentSchema, "PaymentPage")


class Share(Schema):
    invoice_id = row_id("Not an id.", required=True)
    amount_cents = cents(required=True)


class NewPayment(Schema):
    invoice_id = row_id("Not an id.", metadata={"description": "Paid on this sent invoice; or give client_id"})
    client_id = row_id("Pick one of your clients.", metadata={
        "description": "Paid on the client's account: over her open invoices, oldest first or as `split`"})
    split = fields.List(fields.Nested(Share), metadata={"description": "With client_id: how much on each invoice"})
    amount_cents = cents(required=True)
    method = fields.String(required=True, validate=validate.OneOf(METHODS, error="Pick cash, check, Venmo or other."),
                           error_messages={"required": "Pick cash, check, Venmo or other."})
    received_on = fields.Date(required=True, validate=within_calendar,
                              error_messages={"required": "Enter the date.", "invalid": "Enter the date."})
    note = fields.String(load_default="", validate=validate.Length(max=200, error="Keep it to 200 characters."))


class RefundArgs(Schema):
    amount_cents = cents(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=200, error="Keep it to 200 characters."))


class LedgerEntrySchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    amount_cents = fields.Integer(required=True, metadata={"description": "Owed more: positive; paid: negative"})
    occurred_on = fields.Date(required=True)
    invoice_id = fields.Integer(allow_none=True)
    payment_id = fields.Integer(allow_none=True)
    note = fields.String(required=True)


class StatementRowSchema(Schema):
    entry = fields.Nested(LedgerEntrySchema, required=True)
    invoice_number = fields.Integer(allow_none=True)
    balance_cents = fields.Integer(required=True, metadata={"description": "The running balance after it"})


class StatementSchema(Schema):
    start = fields.Date(required=True)
    end = fields.Date(allow_none=True)
    opening_cents = fields.Integer(required=True)
    rows = fields.List(fields.Nested(StatementRowSchema), required=True)
    closing_cents = fields.Integer(required=True)
    credit_cents = fields.Integer(required=True, metadata={"description": "Credit on account, today"})


class StatementArgs(Schema):
    from_date = fields.Date(data_key="from", validate=within_calendar, metadata={
        "description": "First day (90 days back when left out)"})
    to_date = fields.Date(data_key="to", validate=within_calendar, metadata={"description": "Last day, included"})


class AccountSchema(Schema):
    client_id = fields.Integer(required=True)
    balance_cents = fields.Integer(required=True, metadata={"description": "What the client owes (negative: credit)"})
    credit_cents = fields.Integer(required=True)
    open_invoices = fields.List(fields.Nested(InvoiceSchema), required=True)


class BillingRunSchema(Schema):
    id = fields.Integer(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True, metadata={"description": "The billing date: the period is [start, end)"})
    due_at = fields.DateTime(required=True)
    status = fields.String(required=True)
    review = fields.Boolean(required=True)
    attempts = fields.Integer(required=True)
    error = fields.String(required=True)
    invoice_count = fields.Integer(required=True)
    total_cents = fields.Integer(required=True)
    batch_id = fields.Integer(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


BillingRunPage = page_of(BillingRunSchema, "BillingRunPage")
