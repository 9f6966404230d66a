"""What the API takes and gives for billing: drafts and their lines, sending, voiding, payments, the ledger,
billing runs and messages. Messages are the pages' own words for the same fields."""
from marshmallow import Schema, fields, validate

from app.blueprints.api.schemas import INVOICE_EXAMPLE, InvoiceSchema, PageArgs, page_of
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


class StripeSyncSchema(Schema):
    draft_id = fields.Integer(required=True)
    sync_state = fields.String(required=True, metadata={
        "description": "As the draft page says it: in sync, changes waiting or sync failed"})
    reason = fields.String(required=True, metadata={"description": "Why the last sync failed, or empty"})
    queued = fields.Boolean(required=True, metadata={"description": "A sync job is on its way"})


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


LINE_EXAMPLE = {"id": 88, "description": "Personal training, 60 min (Nov 30)", "quantity": 1,
                "unit_price_cents": 4550, "amount_cents": 4550, "no_charge": False, "no_charge_reason": "",
                "session_id": 301, "removed": False}
DRAFT_EXAMPLE = {"id": 41, "client_id": 12, "client_name": "Ana Lima", "version": 3, "included": True,
                 "note": "", "currency": "USD", "total_cents": 9100,
                 "lines": [LINE_EXAMPLE, {**LINE_EXAMPLE, "id": 89, "description": "Personal training, 60 min (Nov 27)",
                                          "session_id": 297}]}
DRAFTS_EXAMPLE = {"data": [DRAFT_EXAMPLE]}
BUILD_EXAMPLE = {"period_start": "2026-11-01", "period_end": "2026-12-01"}
LINE_CHANGE_EXAMPLE = {"unit_price_cents": 4000, "description": "Personal training, 60 min (Nov 30), friend rate"}
NEW_LINE_EXAMPLE = {"description": "Resistance bands", "quantity": 2, "unit_price_cents": 1500}
INCLUSION_EXAMPLE = {"included": False}
NOTE_EXAMPLE = {"note": "Thanks for a great month!"}
STRIPE_SYNC_EXAMPLE = {"draft_id": 41, "sync_state": "changes waiting", "reason": "", "queued": True}
SEND_EXAMPLE = {"drafts": [{"id": 41, "version": 3}]}
SEND_RESULT_EXAMPLE = {"batch_id": 9, "invoices": [{**INVOICE_EXAMPLE, "id": 41}]}
VOID_EXAMPLE = {"reason": "Billed twice for the same week"}
VOIDED_EXAMPLE = {**INVOICE_EXAMPLE, "status": "void", "due_cents": 0}
MESSAGE_EXAMPLE = {"id": 77, "invoice_id": 40, "client_id": 12, "kind": "invoice", "channel": "sms",
                   "status": "delivered", "address": "+14155550100", "error_message": "",
                   "created_at": "2026-11-30T18:00:02+00:00", "sent_at": "2026-11-30T18:00:03+00:00",
                   "delivered_at": "2026-11-30T18:00:06+00:00"}
PAYMENT_EXAMPLE = {"id": 23, "invoice_id": 40, "client_id": 12, "method": "venmo", "status": "succeeded",
                   "amount_cents": 9100, "refunded_cents": 0, "received_on": "2026-12-01", "note": "@ana-lima",
                   "created_at": "2026-12-01T16:20:00+00:00"}
NEW_PAYMENT_EXAMPLE = {"invoice_id": 40, "amount_cents": 9100, "method": "venmo", "received_on": "2026-12-01",
                       "note": "@ana-lima"}
REFUND_EXAMPLE = {"amount_cents": 4550, "reason": "Session on Nov 30 was cancelled"}
REFUNDED_EXAMPLE = {**PAYMENT_EXAMPLE, "refunded_cents": 4550}
ACCOUNT_EXAMPLE = {"client_id": 12, "balance_cents": 9100, "credit_cents": 0, "open_invoices": [INVOICE_EXAMPLE]}
STATEMENT_EXAMPLE = {"start": "2026-09-02", "end": None, "opening_cents": 0, "rows": [
    {"entry": {"id": 150, "kind": "invoice_charged", "amount_cents": 9100, "occurred_on": "2026-11-30",
               "invoice_id": 40, "payment_id": None, "note": ""}, "invoice_number": 17, "balance_cents": 9100},
    {"entry": {"id": 151, "kind": "payment_received", "amount_cents": -9100, "occurred_on": "2026-12-01",
               "invoice_id": 40, "payment_id": 23, "note": "@ana-lima"}, "invoice_number": 17, "balance_cents": 0}],
    "closing_cents": 0, "credit_cents": 0}
BILLING_RUN_EXAMPLE = {"id": 4, "period_start": "2026-11-01", "period_end": "2026-12-01",
                       "due_at": "2026-12-01T14:00:00+00:00", "status": "done", "review": True, "attempts": 1,
                       "error": "", "invoice_count": 6, "total_cents": 54600, "batch_id": None,
                       "started_at": "2026-12-01T14:00:01+00:00", "finished_at": "2026-12-01T14:00:04+00:00"}
